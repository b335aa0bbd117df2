import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TObject } from '@sinclair/typebox';
import { createDataset, describeDataset, listDatasetEntries, updateDatasetEntries } from '../../src/server/lookoutvision/datasetOperations.js';
import { createModel, deleteModel, describeModel, startModel } from '../../src/server/lookoutvision/modelOperations.js';
import type { LookoutVisionOperation } from '../../src/server/lookoutvision/operation.js';
import { describeModelPackagingJob, startModelPackagingJob } from '../../src/server/lookoutvision/packagingOperations.js';
import { createProject, listProjects } from '../../src/server/lookoutvision/projectOperations.js';
import { tagResource, untagResource } from '../../src/server/lookoutvision/tagOperations.js';
import { inputValidator } from '../../src/server/schema.js';

/** The ValidationException message an operation's schema gives an input, or undefined when it is valid. */
function messageFor(operation: LookoutVisionOperation<TObject>, input: Record<string, unknown>): string | undefined {
  try {
    inputValidator(operation.input, (message) => new Error(message))(input);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const OUTPUT = { S3Location: { Bucket: 'bucket' } };
const MODEL = { ProjectName: 'p', ModelVersion: '1' };
const GREENGRASS = { TargetPlatform: { Os: 'LINUX', Arch: 'X86_64' }, S3OutputLocation: { Bucket: 'bucket' }, ComponentName: 'c' };
const packaging = (greengrass: Record<string, unknown>) => ({ ...MODEL, Configuration: { Greengrass: { ...GREENGRASS, ...greengrass } } });
const TAG_KEY = 'Tag Key must be 1 to 128 letters, digits, spaces or _ . : / = + - @.';

describe('Lookout for Vision operation schemas', () => {
  test('give each failure the message of its member', () => {
    const cases: [LookoutVisionOperation<TObject>, Record<string, unknown>, string | undefined][] = [
      [createProject, { ProjectName: 'cookies', ClientToken: 'a-b-1' }, undefined],
      [createProject, {}, 'ProjectName is required.'],
      [createProject, { ProjectName: 5 }, 'ProjectName must be a string.'],
      [createProject, { ProjectName: 'x'.repeat(256) }, 'ProjectName must be 1 to 255 characters long.'],
      [createProject, { ProjectName: 'bad name' }, "ProjectName 'bad name' does not match the pattern ^[a-zA-Z0-9][a-zA-Z0-9_-]*$."],
      [createProject, { ProjectName: 'p', ClientToken: 'bad token!' }, "ClientToken 'bad token!' does not match the pattern ^[a-zA-Z0-9-]+$."],
      [listProjects, { MaxResults: 101 }, 'MaxResults must be an integer from 1 to 100.'],
      [listProjects, { NextToken: 'not a token' }, 'The pagination token is invalid.'],
      [describeDataset, { ProjectName: 'p', DatasetType: 'validation' }, "DatasetType 'validation' does not match the pattern ^(train|test)$."],
      [listDatasetEntries, { ProjectName: 'p', DatasetType: 'train', AnomalyClass: 'cracked' }, "AnomalyClass 'cracked' does not match the pattern ^(normal|anomaly)$."],
      [listDatasetEntries, { ProjectName: 'p', DatasetType: 'train', SourceRefContains: '   ' }, "SourceRefContains '   ' does not match the pattern \\S."],
      [
        createDataset,
        { ProjectName: 'p', DatasetType: 'test', DatasetSource: { GroundTruthManifest: {} } },
        'DatasetSource must be {"GroundTruthManifest": {"S3Object": {"Bucket", "Key", "VersionId"?}}}.',
      ],
      [
        createDataset,
        { ProjectName: 'p', DatasetType: 'test', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'x', Key: 'm' } } } },
        'DatasetSource.GroundTruthManifest.S3Object.Bucket must be 3 to 63 characters long.',
      ],
      [updateDatasetEntries, { ProjectName: 'p', DatasetType: 'train' }, 'Changes is required: base64 of JSON Lines manifest entries.'],
      [updateDatasetEntries, { ProjectName: 'p', DatasetType: 'train', Changes: '' }, 'Changes is required: base64 of JSON Lines manifest entries.'],
      [describeModel, { ProjectName: 'p', ModelVersion: 'latest' }, undefined],
      [describeModel, { ProjectName: 'p', ModelVersion: '0' }, "ModelVersion '0' is not a version number or latest."],
      [deleteModel, { ProjectName: 'p', ModelVersion: 'latest' }, 'ModelVersion must be a version number (latest is not accepted by DeleteModel).'],
      [createModel, { ProjectName: 'p' }, 'OutputConfig.S3Location is required: {"Bucket", "Prefix"?}.'],
      [createModel, { ProjectName: 'p', OutputConfig: {} }, 'OutputConfig.S3Location is required: {"Bucket", "Prefix"?}.'],
      [createModel, { ProjectName: 'p', OutputConfig: { S3Location: {} } }, 'OutputConfig.S3Location.Bucket is required.'],
      [createModel, { ProjectName: 'p', OutputConfig: { S3Location: { Bucket: 'bucket', Prefix: '/x' } } }, 'OutputConfig.S3Location.Prefix is not a valid key prefix.'],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Description: 'd'.repeat(501) }, 'Description must be 1 to 500 characters.'],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, KmsKeyId: '-key' }, 'KmsKeyId is not a key id, key ARN or alias.'],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: 'x' }, 'Tags must be a list of {Key, Value}.'],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: [{ Key: 'bad;key', Value: '' }] }, TAG_KEY],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: [{ Value: 'v' }] }, TAG_KEY],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: ['x'] }, TAG_KEY],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }, 'Tag Value must be 0 to 256 letters, digits, spaces or _ . : / = + - @.'],
      [createModel, { ProjectName: 'p', OutputConfig: OUTPUT, Tags: [{ Key: 'é', Value: '' }] }, undefined],
      [startModel, { ...MODEL, MinInferenceUnits: 0 }, 'MinInferenceUnits must be an integer of at least 1.'],
      [startModel, { ...MODEL, MinInferenceUnits: 1.5 }, 'MinInferenceUnits must be an integer of at least 1.'],
      [startModel, { ...MODEL, MinInferenceUnits: 1, MaxInferenceUnits: 0 }, 'MaxInferenceUnits must be an integer of at least MinInferenceUnits.'],
      [tagResource, { ResourceArn: 'arn' }, 'Tags is required: a list of {Key, Value}.'],
      [tagResource, { ResourceArn: '', Tags: [] }, 'ResourceArn must be 1 to 1011 characters.'],
      [tagResource, { ResourceArn: 'arn', Tags: Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}`, Value: '' })) }, 'Tags may hold at most 200 tags.'],
      [untagResource, { ResourceArn: 'arn' }, 'TagKeys is required.'],
      [untagResource, { ResourceArn: 'arn', TagKeys: Array.from({ length: 201 }, (_, i) => `k${i}`) }, 'TagKeys may hold at most 200 keys.'],
      [untagResource, { ResourceArn: 'arn', TagKeys: ['bad;key'] }, 'TagKeys member must be 1 to 128 letters, digits, spaces or _ . : / = + - @.'],
      [startModelPackagingJob, packaging({}), undefined],
      [startModelPackagingJob, { ProjectName: 'p', Configuration: { Greengrass: GREENGRASS } }, 'ModelVersion is required.'],
      [startModelPackagingJob, { ...MODEL, Configuration: {} }, 'Configuration.Greengrass is required.'],
      [startModelPackagingJob, { ...packaging({}), JobName: 'bad_name' }, "JobName 'bad_name' does not match the pattern ^[a-zA-Z0-9-]+$."],
      [startModelPackagingJob, packaging({ ComponentVersion: '1.0' }), "Configuration.Greengrass.ComponentVersion '1.0' does not match the pattern ^([0-9]{1,6})\\.([0-9]{1,6})\\.([0-9]{1,6})$."],
      [startModelPackagingJob, packaging({ TargetPlatform: { Os: 'WINDOWS', Arch: 'X86_64' } }), 'Configuration.Greengrass.TargetPlatform.Os must be LINUX.'],
      [startModelPackagingJob, packaging({ TargetDevice: 'jetson_nano' }), 'Configuration.Greengrass.TargetDevice must be jetson_xavier.'],
      [startModelPackagingJob, packaging({ S3OutputLocation: undefined }), 'S3OutputLocation is required: {"Bucket", "Prefix"?}.'],
      [startModelPackagingJob, packaging({ CompilerOptions: '{}' }), 'CompilerOptions must be a JSON string of 3 to 1024 characters.'],
      [startModelPackagingJob, packaging({ Tags: [{ Key: 'bad;key', Value: '' }] }), TAG_KEY],
      [describeModelPackagingJob, { ProjectName: 'p', JobName: 'x'.repeat(65) }, 'JobName must be 1 to 64 characters long.'],
    ];
    for (const [operation, input, expected] of cases) assert.equal(messageFor(operation, input), expected, `${operation.name} ${JSON.stringify(input).slice(0, 120)}`);
  });
});
