import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ListTagsForResourceCommand, type LookoutVisionClient, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-lookoutvision';
import Database from 'better-sqlite3';
import { rejects } from '../helpers/rejects.js';
import { AWS_CLI, awsCli, awsCliSkip } from '../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

describe('tags', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let modelArn: string;
  const tagsOf = async (arn: string) => (await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags;

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    await vigil.services.projects.create({ projectName: 'p1' });
    // A trained model recorded directly: training one takes far longer than what this test is about.
    modelArn = `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/p1/1`;
    const db = new Database(join(vigil.dataDir, 'metadata.db'));
    db.prepare(
      `INSERT INTO models (project_name, version, arn, status, created_at, updated_at, kms_key_id, output_bucket, output_prefix)
       VALUES ('p1', 1, ?, 'TRAINED', ?, ?, ?, 'out', '')`,
    ).run(modelArn, Date.now(), Date.now(), vigil.kms.defaultKeyId);
    db.close();
  });
  after(async () => {
    client.destroy();
    await vigil.stop();
  });

  test('a model is tagged, listed as a list of {Key, Value}, re-tagged and untagged', async () => {
    assert.deepEqual(await tagsOf(modelArn), []);
    await client.send(
      new TagResourceCommand({
        ResourceArn: modelArn,
        Tags: [
          { Key: 'stage', Value: 'production' },
          { Key: 'line', Value: '3' },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(modelArn), [
      { Key: 'line', Value: '3' },
      { Key: 'stage', Value: 'production' },
    ]);
    await client.send(
      new TagResourceCommand({
        ResourceArn: modelArn,
        Tags: [
          { Key: 'stage', Value: 'test' },
          { Key: 'owner name', Value: '' },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(modelArn), [
      { Key: 'line', Value: '3' },
      { Key: 'owner name', Value: '' },
      { Key: 'stage', Value: 'test' },
    ]);
    await client.send(new UntagResourceCommand({ ResourceArn: modelArn, TagKeys: ['line', 'owner name', 'absent'] }));
    assert.deepEqual(await tagsOf(modelArn), [{ Key: 'stage', Value: 'test' }]);
  });

  test('ARNs of anything but an existing model of this installation are ResourceNotFoundException', async () => {
    for (const arn of [
      `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/p1/2`,
      `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/p2/1`,
      `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:project/p1`,
      `arn:aws:lookoutvision:eu-west-1:${vigil.accountId}:model/p1/1`,
      'arn:aws:lookoutvision:us-east-1:123456789012:model/p1/1',
      'not-an-arn',
    ]) {
      await rejects(tagsOf(arn), 'ResourceNotFoundException');
      await rejects(client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'a', Value: 'b' }] })), 'ResourceNotFoundException');
      await rejects(client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['a'] })), 'ResourceNotFoundException');
    }
  });

  test('bad tags are ValidationExceptions and change nothing', async () => {
    const bad = [
      [{ Key: '', Value: 'x' }],
      [{ Key: 'k'.repeat(129), Value: 'x' }],
      [{ Key: 'k', Value: 'v'.repeat(257) }],
      [{ Key: 'semi;colon', Value: 'x' }],
      Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
      [{ Key: 'vigil:augment', Value: 'tilt' }], // a training setting: CreateModel only
    ];
    for (const tags of bad) await rejects(client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: tags })), 'ValidationException');
    await rejects(client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: Array.from({ length: 200 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })), 'ValidationException');
    await rejects(client.send(new UntagResourceCommand({ ResourceArn: modelArn, TagKeys: ['bad;key'] })), 'ValidationException');
    await rejects(client.send(new UntagResourceCommand({ ResourceArn: modelArn, TagKeys: ['stage', 'vigil:augment'] })), 'ValidationException');
    assert.deepEqual(await tagsOf(modelArn), [{ Key: 'stage', Value: 'test' }]);
  });

  test('the AWS CLI lists the tags of the model', { skip: awsCliSkip }, async () => {
    const { stdout } = await promisify(execFile)(
      AWS_CLI,
      ['lookoutvision', 'list-tags-for-resource', '--resource-arn', modelArn, '--region', 'us-east-1', '--endpoint-url', vigil.endpoint, '--ca-bundle', vigil.tls.certPath],
      { env: { PATH: process.env.PATH, HOME: vigil.dataDir, AWS_SHARED_CREDENTIALS_FILE: vigil.credentialsPath, AWS_PROFILE: 'vigil', AWS_CONFIG_FILE: '/dev/null' } },
    );
    assert.deepEqual(JSON.parse(stdout), { Tags: [{ Key: 'stage', Value: 'test' }] });
  });

  test('vigil:false-alarm-rate is set, changed and removed by TagResource and UntagResource and listed like any tag', async (t) => {
    await client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.05' }] }));
    assert.deepEqual(await tagsOf(modelArn), [
      { Key: 'stage', Value: 'test' },
      { Key: 'vigil:false-alarm-rate', Value: '0.05' },
    ]);
    // The AWS CLI, as a line's scripts would: the range's ends are valid targets (the SDK where the CLI is missing).
    if (awsCliSkip) {
      t.diagnostic(`AWS CLI part skipped: ${awsCliSkip}`);
      await client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.0001' }] }));
      assert.deepEqual(await tagsOf(modelArn), [
        { Key: 'stage', Value: 'test' },
        { Key: 'vigil:false-alarm-rate', Value: '0.0001' },
      ]);
    } else {
      await awsCli(vigil, ['lookoutvision', 'tag-resource', '--resource-arn', modelArn, '--tags', 'Key=vigil:false-alarm-rate,Value=0.0001']);
      assert.deepEqual(JSON.parse((await awsCli(vigil, ['lookoutvision', 'list-tags-for-resource', '--resource-arn', modelArn])).stdout).Tags, [
        { Key: 'stage', Value: 'test' },
        { Key: 'vigil:false-alarm-rate', Value: '0.0001' },
      ]);
    }
    await client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '.5' }] }));
    assert.deepEqual(await tagsOf(modelArn), [
      { Key: 'stage', Value: 'test' },
      { Key: 'vigil:false-alarm-rate', Value: '.5' },
    ]);
    await client.send(new UntagResourceCommand({ ResourceArn: modelArn, TagKeys: ['vigil:false-alarm-rate'] }));
    assert.deepEqual(await tagsOf(modelArn), [{ Key: 'stage', Value: 'test' }]);
  });

  test('a vigil:false-alarm-rate that is not a decimal from 0.0001 to 0.5, or an unknown vigil: key, is a ValidationException and changes nothing', async (t) => {
    await client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.02' }] }));
    const before = await tagsOf(modelArn);
    for (const value of ['0', '0.9', 'abc', '', '0.00001', '1e-2', '-0.01', '0.01 ']) {
      await assert.rejects(
        client.send(
          new TagResourceCommand({
            ResourceArn: modelArn,
            Tags: [
              { Key: 'vigil:false-alarm-rate', Value: value },
              { Key: 'line', Value: '4' },
            ],
          }),
        ),
        (error: Error) => {
          assert.equal(error.name, 'ValidationException', value);
          assert.match(error.message, /^Tag vigil:false-alarm-rate must be the share of good parts to flag as a decimal from 0.0001 to 0.5 \(0.01 is 1 %\), not '.*'\.$/);
          return true;
        },
      );
    }
    // A repeated key is judged by each of its values, not only the first.
    const repeated = [
      { Key: 'vigil:false-alarm-rate', Value: '0.1' },
      { Key: 'vigil:false-alarm-rate', Value: '0.9' },
    ];
    await rejects(client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: repeated })), 'ValidationException');
    await assert.rejects(
      client.send(new TagResourceCommand({ ResourceArn: modelArn, Tags: [{ Key: 'vigil:sensitivity', Value: 'high' }] })),
      /Tag keys starting with vigil: are Vigil settings: vigil:augment, vigil:surface, vigil:anomaly-head, vigil:false-alarm-rate \(not vigil:sensitivity\)/,
    );
    // '%' is not a character tags may hold at all (AWS's tag pattern), so "1%" never reaches Vigil's check.
    if (awsCliSkip) t.diagnostic(`AWS CLI part skipped: ${awsCliSkip}`);
    else await assert.rejects(awsCli(vigil, ['lookoutvision', 'tag-resource', '--resource-arn', modelArn, '--tags', 'Key=vigil:false-alarm-rate,Value=1%']), /ValidationException/);
    assert.deepEqual(await tagsOf(modelArn), before);
    await client.send(new UntagResourceCommand({ ResourceArn: modelArn, TagKeys: ['vigil:false-alarm-rate'] }));
  });
});
