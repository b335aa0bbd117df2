import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
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
  type LookoutVisionClient,
  StartModelCommand,
  StopModelCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeModel } from '../../src/ml/model.js';
import { ALIENS, COOKIE_SIZE, COOKIES, cookieManifest, cookiesProject } from '../helpers/datasets.js';
import { watchHostedCopies } from '../helpers/hostedCopies.js';
import { rejects } from '../helpers/rejects.js';
import { awsCli, awsCliSkip, s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil, VIGIL_CLI } from '../helpers/vigil.js';

describe('models: train, host, detect, stop', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let s3: S3Client;
  const describeModel = async (project: string, version = 'latest') => (await client.send(new DescribeModelCommand({ ProjectName: project, ModelVersion: version }))).ModelDescription!;
  const detect = async (project: string, bytes: Buffer, contentType = 'image/jpeg') =>
    (await client.send(new DetectAnomaliesCommand({ ProjectName: project, ModelVersion: '1', ContentType: contentType, Body: bytes }))).DetectAnomalyResult!;

  /** `vigil ARGS --data-dir … --port …` against the test server, as an operator runs it. */
  const vigilCliText = async (...args: string[]) =>
    (await promisify(execFile)(process.execPath, [VIGIL_CLI, ...args, '--data-dir', vigil.dataDir, '--port', String(vigil.port)], { env: { PATH: process.env.PATH } })).stdout;
  const vigilCli = async (...args: string[]) => JSON.parse(await vigilCliText(...args));
  /** The Vigil member of a model's evaluation result file. */
  const modelEvaluation = async (arn: string) => {
    const [project, version] = arn.split('/').slice(-2);
    const location = (await describeModel(project, version)).EvaluationResult!;
    return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: location.Bucket, Key: location.Key }))).Body!.transformToString()).Vigil;
  };

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    s3 = s3Client(vigil);
    await cookiesProject(vigil, client);
  });
  after(async () => {
    client.destroy();
    s3.destroy();
    await vigil.stop();
  });

  test('CreateModel checks its input before it trains', async () => {
    const output = { S3Location: { Bucket: 'cookies', Prefix: 'model-output/' } };
    // No training dataset, or one without labeled images: refused at once, no model version is created.
    await client.send(new CreateProjectCommand({ ProjectName: 'untrainable' }));
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'untrainable', OutputConfig: output })), 'ValidationException', /no training dataset/);
    await client.send(new CreateDatasetCommand({ ProjectName: 'untrainable', DatasetType: 'train' }));
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'untrainable', OutputConfig: output })), 'ValidationException', /no labeled images/);
    assert.deepEqual((await client.send(new ListModelsCommand({ ProjectName: 'untrainable' }))).Models, []);
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'nope', OutputConfig: output })), 'ResourceNotFoundException');
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: { S3Location: { Bucket: 'no-such-bucket' } } })), 'ValidationException', /does not exist/);
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, KmsKeyId: 'alias/unknown' })), 'ValidationException', /KmsKeyId/);
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Description: 'd'.repeat(501) })), 'ValidationException');
    await rejects(client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'bad;key', Value: '' }] })), 'ValidationException');
    await rejects(
      client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'vigil:augment', Value: 'sideways' }] })),
      'ValidationException',
      /vigil:augment must be none, tilt, any-orientation \(not sideways\)/,
    );
    await rejects(
      client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.9' }] })),
      'ValidationException',
      /vigil:false-alarm-rate must be .* from 0.0001 to 0.5 .*not '0.9'/,
    );
    await rejects(
      client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: output, Tags: [{ Key: 'vigil:sensitivity', Value: 'high' }] })),
      'ValidationException',
      /not vigil:sensitivity/,
    );
    assert.deepEqual((await client.send(new ListModelsCommand({ ProjectName: 'cookies' }))).Models, []);
  });

  test('too few labelled images fail the training with a message that says what is missing', async () => {
    const { buckets } = vigil.services;
    const lines = (await cookieManifest('cookies'))
      .split('\n')
      .filter((l) => l.includes('normal-'))
      .slice(0, 12);
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
    await rejects(
      client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: Buffer.from('x') })),
      'ConflictException',
      /TRAINING, not HOSTED/,
    );
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
    const testLines = manifest
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(result.EvaluationDetails.NumberOfTestingImages, testLines.length);
    const [cracked] = result.AggregatedEvaluationResults.Metrics.PixelAnomalyClassMetrics;
    assert.equal(cracked.ClassName, 'cracked');
    assert.equal(cracked.NumberOfTestingImages, testLines.filter((l) => l['anomaly-label-metadata']['class-name'] === 'anomaly').length);
    assert.ok(cracked.F1Score > 0.2 && cracked.F1Score <= 1, `pixel F1 ${cracked.F1Score}`);
    assert.ok(cracked.AIOU > 0.1 && cracked.AIOU <= 1, `mean IoU ${cracked.AIOU}`);

    // Vigil's own member: expected figures from held-out training images, and the test normals' false-alarm rate.
    const vigilFigures = result.Vigil;
    assert.ok(vigilFigures.ExpectedFalseAlarmRate > 0 && vigilFigures.ExpectedFalseAlarmRate <= 0.01 + 1e-9, `expected false-alarm rate ${vigilFigures.ExpectedFalseAlarmRate}`);
    assert.ok(vigilFigures.ExpectedRecall >= 0 && vigilFigures.ExpectedRecall <= 1, `expected recall ${vigilFigures.ExpectedRecall}`);
    const curve = vigilFigures.OperatingCurve as { FalseAlarmRateTarget: number; Threshold: number; ExpectedFalseAlarmRate: number; ExpectedRecall: number }[];
    assert.deepEqual(
      curve.map((p) => p.FalseAlarmRateTarget),
      [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
    );
    for (const [i, p] of curve.entries()) {
      assert.ok(p.ExpectedFalseAlarmRate <= p.FalseAlarmRateTarget + 1e-9, `at ${p.FalseAlarmRateTarget}: ${p.ExpectedFalseAlarmRate}`);
      if (i > 0) assert.ok(p.ExpectedRecall >= curve[i - 1].ExpectedRecall, 'recall grows with the target');
    }
    const testNormals = testLines.filter((l) => l['anomaly-label-metadata']['class-name'] === 'normal');
    assert.equal(vigilFigures.NumberOfTestingNormalImages, testNormals.length);
    assert.equal(vigilFigures.MeasuredFalseAlarmRate, testNormals.filter((l) => l['anomaly-label-detected'] === 1).length / testNormals.length);
    // Each line's score at or above the calibrated threshold is its verdict; a lower target's threshold is no lower.
    for (const l of testLines) assert.equal(l['anomaly-label-detected-metadata']['vigil-anomaly-score'] >= vigilFigures.Threshold, l['anomaly-label-detected'] === 1, l['source-ref']);
    for (const [i, p] of curve.entries()) if (i > 0) assert.ok(p.Threshold <= curve[i - 1].Threshold, 'a higher target, a lower threshold');

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
    assert.deepEqual([mask.format, mask.width, mask.height, mask.channels], ['png', COOKIE_SIZE.width, COOKIE_SIZE.height, 3]);
  });

  test('DetectAnomalies refuses what is not an image of the model’s size', async () => {
    const jpeg = await readFile(join(COOKIES, 'test-images', 'test-normal-1.jpg'));
    await rejects(detect('cookies', jpeg, 'image/png'), 'ValidationException', /not a PNG/);
    await rejects(detect('cookies', jpeg, 'image/gif'), 'ValidationException', /ContentType/);
    await rejects(detect('cookies', Buffer.from('not an image'), 'image/jpeg'), 'ValidationException');
    await rejects(detect('cookies', await readFile(join(ALIENS, 'normal', '1.png')), 'image/png'), 'ValidationException', /275×190 pixels; this model was trained on 288×384/);
    await rejects(client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '9', ContentType: 'image/jpeg', Body: jpeg })), 'ResourceNotFoundException');

    // The metrics count what was processed, found anomalous and refused, per project and version.
    const metrics = await vigil.services.metrics.registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name}\\{project_name="cookies",model_version="1"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.ok(value('vigil_processed_images_total') >= 10);
    assert.ok(value('vigil_detected_anomalies_total') >= 1);
    assert.equal(value('vigil_invalid_images_total'), 4);
    assert.match(metrics, /vigil_inference_units\{project_name="cookies",model_version="1",kind="in_service"\} [12]/);
  });

  test('a vigil:false-alarm-rate tag moves the hosted model’s threshold from the next request on; removing it moves it back', async () => {
    const arn = (await describeModel('cookies', '1')).ModelArn!;
    const normals = await Promise.all(Array.from({ length: 14 }, (_, i) => readFile(join(COOKIES, 'test-images', `test-normal-${i + 1}.jpg`))));
    const flagged = async () => {
      const out: number[] = [];
      for (const [i, image] of normals.entries()) if ((await detect('cookies', image)).IsAnomalous) out.push(i);
      return out;
    };
    const calibrated = await flagged();
    // Half the good parts flagged: unseen normals that pass at the calibrated threshold are flagged now.
    await client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'vigil:false-alarm-rate', Value: '0.5' }] }));
    const permissive = await flagged();
    assert.ok(
      calibrated.every((i) => permissive.includes(i)),
      `${calibrated} ⊆ ${permissive}`,
    );
    const borderline = permissive.find((i) => !calibrated.includes(i));
    assert.notEqual(borderline, undefined, `a target of 0.5 flags more of the 14 unseen normals than the calibrated threshold (${calibrated} vs ${permissive})`);
    await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['vigil:false-alarm-rate'] }));
    for (const i of permissive.filter((i) => !calibrated.includes(i))) assert.equal((await detect('cookies', normals[i])).IsAnomalous, false, `unseen normal ${i + 1} passes again`);

    // The same through `vigil models false-alarm-rate`, which also reports the expected figures at the target.
    const set = await vigilCli('models', 'false-alarm-rate', 'cookies', '1', '0.5', '--json');
    assert.equal(set.ModelArn, arn);
    assert.equal(set.FalseAlarmRateTarget, '0.5');
    const atHalf = set.OperatingCurve.find((p: { FalseAlarmRateTarget: number }) => p.FalseAlarmRateTarget === 0.5);
    assert.deepEqual(set.Expected, { FalseAlarmRate: atHalf.ExpectedFalseAlarmRate, FalseAlarmRateIsUpperBound: false, Recall: atHalf.ExpectedRecall });
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, [
      { Key: 'line', Value: '3' },
      { Key: 'vigil:false-alarm-rate', Value: '0.5' },
    ]);
    assert.equal((await detect('cookies', normals[borderline!])).IsAnomalous, true);
    // Off the curve's ladder the target bounds the false-alarm rate and the recall lies between its neighbours'.
    const between = await vigilCli('models', 'false-alarm-rate', 'cookies', 'latest', '0.03', '--json');
    const [at2, at5] = [0.02, 0.05].map((t) => between.OperatingCurve.find((p: { FalseAlarmRateTarget: number }) => p.FalseAlarmRateTarget === t));
    assert.equal(between.Expected.FalseAlarmRate, 0.03);
    assert.equal(between.Expected.FalseAlarmRateIsUpperBound, true);
    const [low, high] = between.Expected.RecallRange ?? [between.Expected.Recall, between.Expected.Recall];
    assert.deepEqual([low, high], [at2.ExpectedRecall, at5.ExpectedRecall]);
    const cleared = await vigilCli('models', 'false-alarm-rate', 'cookies', '1', '--default', '--json');
    assert.equal(cleared.FalseAlarmRateTarget, null);
    const figures = await modelEvaluation(arn);
    assert.deepEqual(cleared.Expected, { FalseAlarmRate: figures.ExpectedFalseAlarmRate, FalseAlarmRateIsUpperBound: false, Recall: figures.ExpectedRecall });
    assert.equal((await detect('cookies', normals[borderline!])).IsAnomalous, false);
    const shown = await vigilCliText('models', 'false-alarm-rate', 'cookies', '1');
    assert.match(
      shown,
      /^cookies\/1: calibrated threshold \(no vigil:false-alarm-rate tag\)\nexpected on the line: [\d.]+ % of good parts flagged, recall [\d.]+ of held-out labeled anomalies \(estimated from held-out training images\)\ntarget +false alarms +recall\n0\.0001 /,
    );
    assert.equal(shown.trim().split('\n').length, 3 + 12);
    await assert.rejects(vigilCliText('models', 'false-alarm-rate', 'cookies', '1', '0.9'), /vigil: Tag vigil:false-alarm-rate must be .* not '0.9'/);
    assert.deepEqual((await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags, [{ Key: 'line', Value: '3' }]);
  });

  test('a StopModel while the model loads stops the load’s units; a StopModel and a StartModel while it loads leave one copy hosted', async () => {
    const model = { ProjectName: 'cookies', ModelVersion: '1' };
    const image = await readFile(join(COOKIES, 'test-images', 'test-normal-1.jpg'));
    await client.send(new StopModelCommand(model));
    const copies = watchHostedCopies(vigil, { holdLoads: true });
    try {
      // Stopped while loading: the load's units are stopped once it ends, the model stays TRAINED.
      await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      assert.equal((await client.send(new StopModelCommand(model))).Status, 'STOPPING_HOSTING');
      assert.equal((await describeModel('cookies', '1')).Status, 'TRAINED');
      copies.releaseLoads();
      await vigil.jobs.idle();
      assert.equal((await describeModel('cookies', '1')).Status, 'TRAINED');
      assert.deepEqual([copies.loads, copies.live.size], [1, 0]);
    } finally {
      copies.restore();
    }
    const again = watchHostedCopies(vigil, { holdLoads: true });
    try {
      // Started, stopped and started again while the first start loads: two loads, one copy kept, HOSTED.
      await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      await client.send(new StopModelCommand(model));
      await client.send(new StartModelCommand({ ...model, MinInferenceUnits: 1 }));
      again.releaseLoads();
      await vigil.jobs.idle();
      assert.equal((await describeModel('cookies', '1')).Status, 'HOSTED');
      assert.deepEqual([again.loads, again.live.size], [2, 1]);
      assert.equal(typeof (await detect('cookies', image)).IsAnomalous, 'boolean');
    } finally {
      again.restore();
    }
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

  test('the AWS CLI trains (with tilted views, asked for by a tag, and a false-alarm-rate target), hosts, detects and stops a classification model on the aliens', { skip: awsCliSkip }, async () => {
    const cli = async (...args: string[]) => JSON.parse((await awsCli(vigil, args)).stdout || '{}');
    for (const className of ['normal', 'anomaly']) {
      await awsCli(vigil, ['s3', 'cp', '--recursive', join(ALIENS, className), `s3://cookies/aliens/${className}/`]);
    }
    const lines: string[] = [];
    for (const className of ['normal', 'anomaly']) {
      for (let i = 1; i <= 30; i++) {
        lines.push(
          JSON.stringify({
            'source-ref': `s3://cookies/aliens/${className}/${i}.png`,
            'anomaly-label': className === 'anomaly' ? 1 : 0,
            'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification', 'human-annotated': 'yes' },
          }),
        );
      }
    }
    await vigil.services.buckets.putObject({ bucket: 'cookies', key: 'aliens.manifest', body: Readable.from([Buffer.from(lines.join('\n'))]) });
    await cli('lookoutvision', 'create-project', '--project-name', 'aliens');
    await cli(
      'lookoutvision',
      'create-dataset',
      '--project-name',
      'aliens',
      '--dataset-type',
      'train',
      '--dataset-source',
      JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: 'cookies', Key: 'aliens.manifest' } } }),
    );
    await vigil.jobs.idle();
    const created = await cli(
      'lookoutvision',
      'create-model',
      '--project-name',
      'aliens',
      '--output-config',
      JSON.stringify({ S3Location: { Bucket: 'cookies', Prefix: 'aliens-output/' } }),
      '--tags',
      'Key=vigil:augment,Value=tilt',
      'Key=vigil:false-alarm-rate,Value=0.02',
    );
    assert.equal(created.ModelMetadata.Status, 'TRAINING');
    await vigil.jobs.idle();
    const model = await cli('lookoutvision', 'describe-model', '--project-name', 'aliens', '--model-version', '1');
    assert.equal(model.ModelDescription.Status, 'TRAINED', model.ModelDescription.StatusMessage);
    const artifact = await vigil.blobs.getBuffer('projects/aliens/models/1/artifact', { 'vigil:model': model.ModelDescription.ModelArn });
    assert.equal(decodeModel(artifact).training.augmentation, 'tilt', 'the tag reached the training');
    const tags = await cli('lookoutvision', 'list-tags-for-resource', '--resource-arn', model.ModelDescription.ModelArn);
    assert.deepEqual(tags.Tags, [
      { Key: 'vigil:augment', Value: 'tilt' },
      { Key: 'vigil:false-alarm-rate', Value: '0.02' },
    ]);
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
    assert.deepEqual(
      listed.Models.map((m: { ModelVersion: string; Status: string }) => [m.ModelVersion, m.Status]),
      [['1', 'TRAINED']],
    );
  });
});
