import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateModelCommand, DetectAnomaliesCommand, type LookoutVisionClient, StartModelCommand, StartModelPackagingJobCommand } from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as grpc from '@grpc/grpc-js';
import sharp from 'sharp';
import { EDGE_AGENT_PROTO } from '../../src/edge/edgeAgent.js';
import { COOKIES, cookiesProject } from '../helpers/datasets.js';
import { type EdgeClient, edgeClient } from '../helpers/edgeClient.js';
import { s3Client } from '../helpers/s3.js';
import { startTestVigil, type TestVigil, VIGIL_CLI } from '../helpers/vigil.js';

const COMPONENT = 'cookie-inspector';
const PACKAGE = `s3://cookies/packages/${COMPONENT}/1.0.0/`;
/** Debian's Python with grpcio and grpc-tools (apt-get install python3-grpcio python3-grpc-tools); in CI a missing one fails. */
const PYTHON = '/usr/bin/python3';
const pythonSkip: string | false =
  process.env.CI || spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools.protoc'], { stdio: 'ignore' }).status === 0
    ? false
    : `Python gRPC is not installed (${PYTHON} with grpc and grpc_tools): apt-get install -y python3-grpcio python3-grpc-tools`;
/** A Python client generated from the public proto: DetectAnomalies on a raw RGB888 file, the result as JSON. */
const PYTHON_CLIENT = `
import json, sys, grpc
import edge_agent_pb2 as pb, edge_agent_pb2_grpc as rpc
socket, component, path, width, height = sys.argv[1:6]
agent = rpc.EdgeAgentStub(grpc.insecure_channel('unix://' + socket))
models = [m.model_component for m in agent.ListModels(pb.ListModelsRequest()).models]
data = open(path, 'rb').read()
result = agent.DetectAnomalies(pb.DetectAnomaliesRequest(model_component=component,
    bitmap=pb.Bitmap(width=int(width), height=int(height), byte_data=data))).detect_anomaly_result
try:
    agent.DetectAnomalies(pb.DetectAnomaliesRequest(model_component=component, bitmap=pb.Bitmap(width=10, height=10, byte_data=bytes(300))))
    bad = None
except grpc.RpcError as error:
    bad = error.code().name
print(json.dumps({'models': models, 'is_anomalous': result.is_anomalous, 'confidence': result.confidence,
    'anomalies': [[a.name, a.pixel_anomaly.hex_color, a.pixel_anomaly.total_percentage_area] for a in result.anomalies],
    'mask': [result.anomaly_mask.width, result.anomaly_mask.height, len(result.anomaly_mask.byte_data)], 'bad': bad}))
`;

/** Packed RGB888 pixels of an image file, decoded as the server decodes uploads. */
async function rgb(path: string): Promise<{ width: number; height: number; byte_data: Buffer }> {
  const { data, info } = await sharp(await readFile(path))
    .rotate()
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, byte_data: data };
}

describe('vigil edge: a packaged model served over the Edge Agent API', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  let s3: S3Client;
  let work: string;
  let agent: ChildProcess | undefined;
  let edge: EdgeClient;
  const socket = () => join(work, 'agent.sock');
  const grpcError = (promise: Promise<unknown>, code: grpc.status, message?: RegExp) =>
    assert.rejects(promise, (error: grpc.ServiceError) => {
      assert.equal(error.code, code, `${error.code}: ${error.details}`);
      if (message) assert.match(error.details, message);
      return true;
    });
  const vigilCli = (args: string[]) => promisify(execFile)(process.execPath, [VIGIL_CLI, ...args], { env: { PATH: process.env.PATH, HOME: work }, maxBuffer: 16 * 1024 * 1024 });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vigil-edge-'));
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    s3 = s3Client(vigil);
    await cookiesProject(vigil, client);
    await client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: { S3Location: { Bucket: 'cookies', Prefix: 'model/' } } }));
    await vigil.jobs.idle();
    await client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: '1', MinInferenceUnits: 1 }));
    await client.send(
      new StartModelPackagingJobCommand({
        ProjectName: 'cookies',
        ModelVersion: '1',
        Configuration: { Greengrass: { TargetPlatform: { Os: 'LINUX', Arch: 'X86_64' }, S3OutputLocation: { Bucket: 'cookies', Prefix: 'packages/' }, ComponentName: COMPONENT } },
      }),
    );
    await vigil.jobs.idle();
  });
  after(async () => {
    edge?.close();
    if (agent?.pid !== undefined && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent!.once('exit', resolve));
    }
    client.destroy();
    s3.destroy();
    await vigil.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('vigil edge install takes the package from the bucket; the model stays encrypted and the key owner-only on disk', async () => {
    const { stdout } = await vigilCli(['edge', 'install', PACKAGE, '--dir', join(work, 'edge'), '--endpoint', vigil.endpoint, '--ca-bundle', vigil.tls.certPath, '--data-dir', vigil.dataDir]);
    assert.match(stdout, new RegExp(`installed ${COMPONENT} 1\\.0\\.0`));
    const dir = join(work, 'edge', 'components', COMPONENT);
    assert.equal((await stat(join(work, 'edge'))).mode & 0o777, 0o700);
    assert.equal((await stat(join(dir, 'package-key.json'))).mode & 0o777, 0o600);
    assert.equal((await readFile(join(dir, 'model.vigilpkg'))).includes(Buffer.from('VIGILMDL')), false);
  });

  test('a package folder installs with its key file given apart; another key or a changed archive is refused', async () => {
    const folder = join(work, 'downloaded');
    await mkdir(folder);
    const get = async (name: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'cookies', Key: `packages/${COMPONENT}/1.0.0/${name}` }))).Body!.transformToByteArray());
    await writeFile(join(folder, 'recipe.json'), await get('recipe.json'));
    const archive = await get('model.vigilpkg');
    await writeFile(join(folder, 'model.vigilpkg'), archive);
    const keyFile = join(work, 'cookie.key');
    await writeFile(keyFile, await get('package-key.json'), { mode: 0o600 });
    const { stdout } = await vigilCli(['edge', 'install', folder, '--key-file', keyFile, '--dir', join(work, 'edge-local')]);
    assert.match(stdout, /installed cookie-inspector 1\.0\.0/);
    const otherKey = join(work, 'other.key');
    await writeFile(otherKey, JSON.stringify({ format: 'vigil-package-key', formatVersion: 1, key: Buffer.alloc(32, 7).toString('base64') }));
    await assert.rejects(vigilCli(['edge', 'install', folder, '--key-file', otherKey, '--dir', join(work, 'edge-bad')]), /does not open with this package key/);
    const changed = Buffer.from(archive);
    changed[changed.length - 100] ^= 1;
    await writeFile(join(folder, 'model.vigilpkg'), changed);
    await assert.rejects(vigilCli(['edge', 'install', folder, '--key-file', keyFile, '--dir', join(work, 'edge-bad')]), /digest/);
    assert.equal(existsSync(join(work, 'edge-bad', 'components', COMPONENT)), false);
  });

  test('vigil edge serve listens on an owner-only socket; models start STOPPED and are keyed by component', async () => {
    agent = spawn(process.execPath, [VIGIL_CLI, 'edge', 'serve', '--dir', join(work, 'edge'), '--socket', socket()], {
      env: { PATH: process.env.PATH, HOME: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    agent.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      agent!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      agent!.once('exit', (code) => reject(new Error(`the agent exited (${code}): ${stderr}`)));
    });
    assert.equal((await stat(socket())).mode & 0o777, 0o600);
    edge = edgeClient(socket());
    const listed = await edge.ListModels({});
    assert.deepEqual(listed.models, [
      {
        model_component: COMPONENT,
        lookout_vision_model_arn: `arn:aws:lookoutvision:us-east-1:${vigil.accountId}:model/cookies/1`,
        status: 'STOPPED',
        status_message: 'Installed; call StartModel to run it.',
      },
    ]);
    const bitmap = await rgb(join(COOKIES, 'test-images', 'test-anomaly-1.jpg'));
    await grpcError(edge.DetectAnomalies({ model_component: COMPONENT, bitmap }), grpc.status.FAILED_PRECONDITION, /STOPPED, not RUNNING/);
    await grpcError(edge.DetectAnomalies({ model_component: 'nope', bitmap }), grpc.status.NOT_FOUND, /nope/);
    await grpcError(edge.StartModel({ model_component: 'nope' }), grpc.status.NOT_FOUND);
    await grpcError(edge.DescribeModel({ model_component: '' }), grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(await edge.StartModel({ model_component: COMPONENT }), { status: 'STARTING' });
    await grpcError(edge.StartModel({ model_component: COMPONENT }), grpc.status.FAILED_PRECONDITION);
    for (let i = 0; i < 600; i++) {
      const { model_description } = (await edge.DescribeModel({ model_component: COMPONENT })) as { model_description: { status: string; status_message: string } };
      if (model_description.status === 'RUNNING') break;
      assert.equal(model_description.status, 'STARTING', model_description.status_message);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(((await edge.DescribeModel({ model_component: COMPONENT })).model_description as { status: string }).status, 'RUNNING');
  });

  test('bad bitmaps get INVALID_ARGUMENT with the reason', async () => {
    const good = await rgb(join(COOKIES, 'test-images', 'test-normal-1.jpg'));
    const detect = (bitmap: object) => edge.DetectAnomalies({ model_component: COMPONENT, bitmap });
    await grpcError(detect({ ...good, byte_data: good.byte_data.subarray(1) }), grpc.status.INVALID_ARGUMENT, /holds 331775 bytes; a 288×384 RGB888 bitmap has 331776/);
    await grpcError(detect({ width: 10, height: 10, byte_data: Buffer.alloc(300) }), grpc.status.INVALID_ARGUMENT, /10×10 pixels; width and height must be from 64 to 4096/);
    await grpcError(detect({ width: 5000, height: 5000, byte_data: Buffer.alloc(3000) }), grpc.status.INVALID_ARGUMENT, /5000×5000/);
    await grpcError(detect({ width: 384, height: 288, byte_data: good.byte_data }), grpc.status.INVALID_ARGUMENT, /trained on 288×384/);
    await grpcError(detect({ width: 288, height: 384 }), grpc.status.INVALID_ARGUMENT, /byte_data is required/);
    await grpcError(detect({ width: 288, height: 384, shared_memory_handle: { name: '/cam0', size: 331776, offset: 0 } }), grpc.status.INVALID_ARGUMENT, /Shared-memory bitmaps are not supported/);
    await grpcError(edge.DetectAnomalies({ model_component: COMPONENT }), grpc.status.INVALID_ARGUMENT, /bitmap is required/);
    await grpcError(
      edge.DetectAnomalies({ model_component: COMPONENT, bitmap: good, anomaly_mask_params: { shared_memory_handle: { name: '/mask0', size: 331776, offset: 0 } } }),
      grpc.status.INVALID_ARGUMENT,
      /Masks in shared memory/,
    );
  });

  test('same image, same verdict, confidence, classes and mask as DetectAnomalies on the server; concurrent calls agree', async () => {
    const names = ['test-anomaly-1.jpg', 'test-anomaly-2.jpg', 'test-anomaly-5.jpg', 'test-normal-1.jpg', 'test-normal-2.jpg'];
    const results: Record<string, unknown>[] = [];
    for (const name of names) {
      const path = join(COOKIES, 'test-images', name);
      const server = (await client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: await readFile(path) }))).DetectAnomalyResult!;
      const { detect_anomaly_result: result } = (await edge.DetectAnomalies({ model_component: COMPONENT, bitmap: await rgb(path) })) as {
        detect_anomaly_result: {
          is_anomalous: boolean;
          confidence: number;
          anomalies: { name: string; pixel_anomaly: { total_percentage_area: number; hex_color: string } }[];
          anomaly_mask: { width: number; height: number; byte_data: Buffer } | null;
        };
      };
      results.push(result);
      assert.equal(result.is_anomalous, server.IsAnomalous, name);
      assert.equal(result.confidence, Math.fround(server.Confidence!), `${name}: confidence (a float in the proto)`);
      assert.deepEqual(
        result.anomalies.map((a) => [a.name, a.pixel_anomaly.hex_color, a.pixel_anomaly.total_percentage_area]),
        server.Anomalies!.map((a) => [a.Name, a.PixelAnomaly!.Color, Math.fround(a.PixelAnomaly!.TotalPercentageArea!)]),
        name,
      );
      assert.equal(result.anomalies[0]?.name, 'background');
      const serverMask = await sharp(server.AnomalyMask!).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      assert.equal(result.anomaly_mask!.width, 288);
      assert.equal(result.anomaly_mask!.height, 384);
      assert.ok(Buffer.from(result.anomaly_mask!.byte_data).equals(serverMask.data), `${name}: the mask is the server's, as RGB888`);
    }
    assert.ok(results.some((r) => r.is_anomalous) && results.some((r) => !r.is_anomalous), 'the images include both verdicts');
    const bitmaps = await Promise.all(names.map((name) => rgb(join(COOKIES, 'test-images', name))));
    const concurrent = await Promise.all([...bitmaps, ...bitmaps].map((bitmap) => edge.DetectAnomalies({ model_component: COMPONENT, bitmap })));
    concurrent.forEach((answer, i) => assert.deepEqual(answer.detect_anomaly_result, results[i % names.length], `concurrent call ${i}`));
  });

  test('a Python grpcio client generated from the public proto gets the same results', { skip: pythonSkip }, async () => {
    const out = join(work, 'python');
    await mkdir(out, { recursive: true });
    await promisify(execFile)(PYTHON, ['-m', 'grpc_tools.protoc', '-I', dirname(EDGE_AGENT_PROTO), `--python_out=${out}`, `--grpc_python_out=${out}`, EDGE_AGENT_PROTO]);
    await writeFile(join(out, 'client.py'), PYTHON_CLIENT);
    for (const name of ['test-anomaly-1.jpg', 'test-normal-1.jpg']) {
      const bitmap = await rgb(join(COOKIES, 'test-images', name));
      await writeFile(join(out, 'image.rgb'), bitmap.byte_data);
      const { stdout } = await promisify(execFile)(PYTHON, [join(out, 'client.py'), socket(), COMPONENT, join(out, 'image.rgb'), String(bitmap.width), String(bitmap.height)], { cwd: out });
      const python = JSON.parse(stdout);
      const { detect_anomaly_result: node } = (await edge.DetectAnomalies({ model_component: COMPONENT, bitmap })) as {
        detect_anomaly_result: {
          is_anomalous: boolean;
          confidence: number;
          anomalies: { name: string; pixel_anomaly: { total_percentage_area: number; hex_color: string } }[];
          anomaly_mask: { byte_data: Buffer };
        };
      };
      assert.deepEqual(python.models, [COMPONENT]);
      assert.equal(python.is_anomalous, node.is_anomalous, name);
      assert.equal(python.confidence, node.confidence, name);
      assert.deepEqual(
        python.anomalies,
        node.anomalies.map((a) => [a.name, a.pixel_anomaly.hex_color, a.pixel_anomaly.total_percentage_area]),
        name,
      );
      assert.deepEqual(python.mask, [288, 384, node.anomaly_mask.byte_data.length]);
      assert.equal(python.bad, 'INVALID_ARGUMENT');
    }
  });

  test('a stopped model refuses detections until started again; the agent ends on SIGTERM and removes its socket', async () => {
    assert.deepEqual(await edge.StopModel({ model_component: COMPONENT }), { status: 'STOPPED' });
    await grpcError(edge.StopModel({ model_component: COMPONENT }), grpc.status.FAILED_PRECONDITION, /only a RUNNING model/);
    const bitmap = await rgb(join(COOKIES, 'test-images', 'test-normal-1.jpg'));
    await grpcError(edge.DetectAnomalies({ model_component: COMPONENT, bitmap }), grpc.status.FAILED_PRECONDITION, /STOPPED/);
    edge.close();
    agent!.kill('SIGTERM');
    const code = await new Promise((resolve) => agent!.once('exit', resolve));
    assert.equal(code, 0);
    assert.equal(existsSync(socket()), false);
  });
});
