import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DeleteModelCommand,
  DeleteProjectCommand,
  DescribeModelCommand,
  DetectAnomaliesCommand,
  ListModelsCommand,
  ListTagsForResourceCommand,
  StartModelCommand,
  StopModelCommand,
  type LookoutVisionClient,
} from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { decodeModel } from '../../src/ml/model.js';
import { ALIENS, COOKIES, cookieManifest, putCookieImages } from '../helpers/datasets.js';
import { awsCli, s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

describe('models: train, host, detect, stop', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let s3: S3Client;
  const rejects = (promise: Promise<unknown>, name: string, message?: RegExp) =>
    assert.rejects(promise, (error: Error) => {
      assert.equal(error.name, name, error.message);
      if (message) assert.match(error.message, message);
      return true;
    });
  const describeModel = async (project: string, version = 'latest') =>
    (await client.send(new DescribeModelCommand({ ProjectName: project, ModelVersion: version }))).ModelDescription!;
  const detect = async (project: string, bytes: Buffer, contentType = 'image/jpeg') =>
    (await client.send(new DetectAnomaliesCommand({ ProjectName: project, ModelVersion: '1', ContentType: contentType, Body: bytes }))).DetectAnomalyResult!;

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    s3 = s3Client(vigil);
    const { buckets } = vigil.services;
    await buckets.createBucket('cookies');
    await putCookieImages(buckets, 'cookies');
    await buckets.putObject({ bucket: 'cookies', key: 'train.manifest', body: Readable.from([Buffer.from(await cookieManifest('cookies'))]) });
    await client.send(new CreateProjectCommand({ ProjectName: 'cookies' }));
    await client.send(
      new CreateDatasetCommand({ ProjectName: 'cookies', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'train.manifest' } } } }),
    );
    await vigil.jobs.idle();
  });
  after(async () => {
    client.destroy();
    s3.destroy();
    await vigil.stop();
  });

  test('CreateModel checks its input before it trains', async () => {
    const output = { S3Location: { Bucket: 'cookies', Prefix: 'model-output/' } };
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'nope', OutputConfig: output })), 'ResourceNotFoundException');
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: { S3Location: { Bucket: 'no-such-bucket' } } })), 'ValidationException', /does not exist/);
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, KmsKeyId: 'alias/unknown' })), 'ValidationException', /KmsKeyId/);
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Description: 'd'.repeat(501) })), 'ValidationException');
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'bad;key', Value: '' }] })), 'ValidationException');
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'vigil:augment', Value: 'sideways' }] })), 'ValidationException', /vigil:augment must be none, tilt, any-orientation \(not sideways\)/);
    assert.deepEqual((await client.send(new ListModelsCommand({ ProjectName: 'cookies' }))).Models, []);
  });

  test('too few labelled images fail the training with a message that says what is missing', async () => {
    const { buckets } = vigil.services;
    const lines = (await cookieManifest('cookies')).split('\n').filter((l) => l.includes('normal-')).slice(0, 12);
    await buckets.putObject({ bucket: 'cookies', key: 'few.manifest', body: Readable.from([Buffer.from(lines.join('\n'))]) });
    await client.send(new CreateProjectCommand({ ProjectName: 'few' }));
    await client.send(new CreateDatasetCommand({ ProjectName: 'few', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'few.manifest' } } } }));
    await vigil.jobs.idle();
    const output = { S3Location: { Bucket: 'cookies' } };
    await client.send(new CreateModelCommand({ ProjectName: 'few', OutputConfig: output }));
    await vigil.jobs.idle();
    let model = await describeModel('few');
    assert.equal(model.Status, 'TRAINING_FAILED');
    assert.equal(model.StatusMessage, 'The training dataset needs at least 20 normal images; it has 12.');
    // With a (still empty) test dataset the project is a split project, with its own minimums.
    await client.send(new CreateDatasetCommand({ ProjectName: 'few', DatasetType: 'test' }));
    await client.send(new CreateModelCommand({ ProjectName: 'few', OutputConfig: output }));
    await vigil.jobs.idle();
    model = await describeModel('few');
    assert.equal(model.ModelVersion, '2');
    assert.equal(model.StatusMessage, 'The test dataset needs at least 10 normal images; it has 0.');
  });

  test('a segmentation model trains on the cookies; its reported F1 is that of DetectAnomalies on its test images', async () => {
    const input = {
      ProjectName: 'cookies',
      Description: 'first cookie model',
      OutputConfig: { S3Location: { Bucket: 'cookies', Prefix: 'model-output/' } },
      Tags: [{ Key: 'line', Value: '3' }],
      ClientToken: 'train-once',
    };
    const created = await client.send(new CreateModelCommand(input));
    assert.equal(created.$metadata.httpStatusCode, 202);
    assert.equal(created.ModelMetadata?.Status, 'TRAINING');
    assert.equal(created.ModelMetadata?.ModelVersion, '1');
    const repeated = await client.send(new CreateModelCommand(input));
    assert.equal(repeated.ModelMetadata?.ModelArn, created.ModelMetadata?.ModelArn, 'the same client token trains once');
    await rejects(client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: Buffer.from('x') })), 'ConflictException', /TRAINING, not HOSTED/);
    await rejects(client.send(new DeleteModelCommand({ ProjectName: 'cookies', ModelVersion: '1' })), 'ConflictException');
    await vigil.jobs.idle();

    const model = await describeModel('cookies');
    assert.equal(model.Status, 'TRAINED', model.StatusMessage);
    assert.equal(model.Description, 'first cookie model');
    assert.equal(model.KmsKeyId, vigil.kms.defaultKeyId);
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ ResourceArn: model.ModelArn }))).Tags, [{ Key: 'line', Value: '3' }]);
    const { F1Score, Precision, Recall } = model.Performance!;
    assert.ok(F1Score! >= 0.8, `F1 ${F1Score}`);

    const manifest = await (await s3.send(new GetObjectCommand({ Bucket: 'cookies', Key: model.EvaluationManifest!.Key }))).Body!.transformToString();
    const result = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'cookies', Key: model.EvaluationResult!.Key }))).Body!.transformToString());
    assert.equal(result.EvaluationDetails.ModelArn, model.ModelArn);
    const testLines = manifest.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(result.EvaluationDetails.NumberOfTestingImages, testLines.length);
    const [cracked] = result.AggregatedEvaluationResults.Metrics.PixelAnomalyClassMetrics;
    assert.equal(cracked.ClassName, 'cracked');
    assert.equal(cracked.NumberOfTestingImages, testLines.filter((l) => l['anomaly-label-metadata']['class-name'] === 'anomaly').length);
    assert.ok(cracked.F1Score > 0.2 && cracked.F1Score <= 1, `pixel F1 ${cracked.F1Score}`);
    assert.ok(cracked.AIOU > 0.1 && cracked.AIOU <= 1, `mean IoU ${cracked.AIOU}`);

    await rejects(client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: '1', MinInferenceUnits: 0 })), 'ValidationException');
    await rejects(client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: '1', MinInferenceUnits: 2, MaxInferenceUnits: 1 })), 'ValidationException');
    await rejects(client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: '1', MinInferenceUnits: 1000 })), 'ServiceQuotaExceededException');
    const started = await client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: 'latest', MinInferenceUnits: 1, MaxInferenceUnits: 2 }));
    assert.equal(started.Status, 'STARTING_HOSTING');
    await vigil.jobs.idle();
    const hosted = await describeModel('cookies', '1');
    assert.equal(hosted.Status, 'HOSTED', hosted.StatusMessage);
    assert.deepEqual([hosted.MinInferenceUnits, hosted.MaxInferenceUnits], [1, 2]);

    // Detect every test image of the evaluation: the F1 of these answers is the F1 DescribeModel reports.
    let [tp, fp, fn] = [0, 0, 0];
    for (const line of testLines) {
      const name = String(line['source-ref']).split('/').pop()!;
      const answer = await detect('cookies', await readFile(join(COOKIES, 'training-images', name)));
      const actual = line['anomaly-label-metadata']['class-name'] === 'anomaly';
      assert.equal(answer.IsAnomalous, line['anomaly-label-detected'] === 1, name);
      if (answer.IsAnomalous && actual) tp += 1;
      if (answer.IsAnomalous && !actual) fp += 1;
      if (!answer.IsAnomalous && actual) fn += 1;
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    assert.equal(Precision, precision);
    assert.equal(Recall, recall);
    assert.equal(F1Score, precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));
  });

  test('DetectAnomalies answers with the cracked class, its colour and an RGB mask the size of the input', async () => {
    const answer = await detect('cookies', await readFile(join(COOKIES, 'test-images', 'test-anomaly-1.jpg')));
    assert.deepEqual(answer.Source, { Type: 'direct' });
    assert.equal(answer.IsAnomalous, true);
    assert.ok(answer.Confidence! > 0.5 && answer.Confidence! <= 1);
    assert.equal(answer.Anomalies![0].Name, 'background');
    const cracked = answer.Anomalies!.find((a) => a.Name === 'cracked');
    assert.equal(cracked?.PixelAnomaly?.Color?.toUpperCase(), '#23A436');
    assert.ok(cracked!.PixelAnomaly!.TotalPercentageArea! > 0 && cracked!.PixelAnomaly!.TotalPercentageArea! < 1);
    const sharp = (await import('sharp')).default;
    const mask = await sharp(Buffer.from(answer.AnomalyMask!)).metadata();
    assert.deepEqual([mask.format, mask.width, mask.height, mask.channels], ['png', 576, 768, 3]);
  });

  test('DetectAnomalies refuses what is not an image of the model’s size', async () => {
    const jpeg = await readFile(join(COOKIES, 'test-images', 'test-normal-1.jpg'));
    await rejects(detect('cookies', jpeg, 'image/png'), 'ValidationException', /not a PNG/);
    await rejects(detect('cookies', jpeg, 'image/gif'), 'ValidationException', /ContentType/);
    await rejects(detect('cookies', Buffer.from('not an image'), 'image/jpeg'), 'ValidationException');
    await rejects(detect('cookies', await readFile(join(ALIENS, 'normal', '1.png')), 'image/png'), 'ValidationException', /550×380 pixels; this model was trained on 576×768/);
    await rejects(client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '9', ContentType: 'image/jpeg', Body: jpeg })), 'ResourceNotFoundException');

    // The metrics count what was processed, found anomalous and refused, per project and version.
    const metrics = await vigil.services.metrics.registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name}\\{project_name="cookies",model_version="1"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(value('vigil_processed_images_total') >= 10);
    assert.ok(value('vigil_detected_anomalies_total') >= 1);
    assert.equal(value('vigil_invalid_images_total'), 4);
    assert.match(metrics, /vigil_inference_units\{project_name="cookies",model_version="1",kind="in_service"\} [12]/);
  });

  test('StopModel returns the model to TRAINED; then it can be deleted, and the project with it', async () => {
    await rejects(client.send(new DeleteModelCommand({ ProjectName: 'cookies', ModelVersion: '1' })), 'ConflictException', /HOSTED/);
    const stopped = await client.send(new StopModelCommand({ ProjectName: 'cookies', ModelVersion: '1' }));
    assert.equal(stopped.Status, 'STOPPING_HOSTING');
    assert.equal((await describeModel('cookies', '1')).Status, 'TRAINED');
    await rejects(detect('cookies', await readFile(join(COOKIES, 'test-images', 'test-normal-1.jpg'))), 'ConflictException', /not HOSTED/);
    await rejects(client.send(new StopModelCommand({ ProjectName: 'cookies', ModelVersion: '1' })), 'ConflictException');
    await rejects(client.send(new DeleteModelCommand({ ProjectName: 'cookies', ModelVersion: 'latest' })), 'ValidationException');
    const deleted = await client.send(new DeleteModelCommand({ ProjectName: 'cookies', ModelVersion: '1' }));
    assert.match(deleted.ModelArn!, /:model\/cookies\/1$/);
    await rejects(describeModel('cookies', '1'), 'ResourceNotFoundException');
    const keys: string[] = [];
    for await (const key of vigil.blobs.list('projects/cookies/models/')) keys.push(key);
    assert.deepEqual(keys, [], 'the sealed artifact is deleted with the model');
    await rejects(client.send(new DeleteProjectCommand({ ProjectName: 'cookies' })), 'ConflictException');
  });

  test('the AWS CLI trains (with tilted views, asked for by a tag), hosts, detects and stops a classification model on the aliens', async () => {
    const cli = async (...args: string[]) => JSON.parse((await awsCli(vigil, args)).stdout || '{}');
    for (const className of ['normal', 'anomaly']) {
      await awsCli(vigil, ['s3', 'cp', '--recursive', join(ALIENS, className), `s3://cookies/aliens/${className}/`]);
    }
    const lines: string[] = [];
    for (const className of ['normal', 'anomaly']) {
      for (let i = 1; i <= 30; i++) {
        lines.push(JSON.stringify({
          'source-ref': `s3://cookies/aliens/${className}/${i}.png`,
          'anomaly-label': className === 'anomaly' ? 1 : 0,
          'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
        }));
      }
    }
    await vigil.services.buckets.putObject({ bucket: 'cookies', key: 'aliens.manifest', body: Readable.from([Buffer.from(lines.join('\n'))]) });
    await cli('lookoutvision', 'create-project', '--project-name', 'aliens');
    await cli('lookoutvision', 'create-dataset', '--project-name', 'aliens', '--dataset-type', 'train', '--dataset-source', JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'aliens.manifest' } } }));
    await vigil.jobs.idle();
    const created = await cli('lookoutvision', 'create-model', '--project-name', 'aliens', '--output-config', JSON.stringify({ S3Location: { Bucket: 'cookies', Prefix: 'aliens-output/' } }), '--tags', 'Key=vigil:augment,Value=tilt');
    assert.equal(created.ModelMetadata.Status, 'TRAINING');
    await vigil.jobs.idle();
    const model = await cli('lookoutvision', 'describe-model', '--project-name', 'aliens', '--model-version', '1');
    assert.equal(model.ModelDescription.Status, 'TRAINED', model.ModelDescription.StatusMessage);
    const artifact = await vigil.blobs.getBuffer('projects/aliens/models/1/artifact', { 'vigil:model': model.ModelDescription.ModelArn });
    assert.equal(decodeModel(artifact).training.augmentation, 'tilt', 'the tag reached the training');
    assert.ok(model.ModelDescription.Performance.F1Score > 0.5);
    await cli('lookoutvision', 'start-model', '--project-name', 'aliens', '--model-version', '1', '--min-inference-units', '1');
    await vigil.jobs.idle();
    const found = await cli('lookoutvision', 'detect-anomalies', '--project-name', 'aliens', '--model-version', '1', '--content-type', 'image/png', '--body', join(ALIENS, 'anomaly', '45.png'));
    assert.equal(found.DetectAnomalyResult.Source.Type, 'direct');
    assert.equal(typeof found.DetectAnomalyResult.IsAnomalous, 'boolean');
    assert.equal(found.DetectAnomalyResult.Anomalies, undefined, 'a classification model returns no anomalies list');
    assert.equal(found.DetectAnomalyResult.AnomalyMask, undefined);
    const stopped = await cli('lookoutvision', 'stop-model', '--project-name', 'aliens', '--model-version', '1');
    assert.equal(stopped.Status, 'STOPPING_HOSTING');
    const listed = await cli('lookoutvision', 'list-models', '--project-name', 'aliens');
    assert.deepEqual(listed.Models.map((m: { ModelVersion: string; Status: string }) => [m.ModelVersion, m.Status]), [['1', 'TRAINED']]);
  });
});
