import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { backboneInfo, loadBackbone } from '../../src/ml/components/backbone.js';
import { encodeOnnxModel } from '../../src/ml/components/onnxProto.js';
import { Rng } from '../../src/ml/components/random.js';
import { decodeTfjsWeights, type TfjsGraphModel, tfjsGraphToOnnx } from '../../src/ml/components/tfjsToOnnx.js';

describe('backbone', () => {
  it('identifies itself by package, layers and weight hash', () => {
    const info = backboneInfo();
    assert.match(info.id, /^nsfwjs@\d+\.\d+\.\d+\/mobilenet_v2_mid\//);
    assert.match(info.weightHash, /^[0-9a-f]{64}$/);
    assert.deepEqual([info.stride, info.channels], [8, 816]);
  });

  it('gives 816 features per stride-8 patch', async () => {
    const backbone = await loadBackbone();
    const rgb = new Float32Array(64 * 96 * 3).fill(0.5);
    const f = await backbone.extract(rgb, 64, 96);
    assert.deepEqual([f.height, f.width, f.channels], [8, 12, 816]);
    assert.ok(f.data.every(Number.isFinite));
    await assert.rejects(backbone.extract(new Float32Array(60 * 96 * 3), 60, 96), /multiple of 16/);
  });

  it('the converted graph reproduces TensorFlow.js on the same weights', async () => {
    const require = createRequire(import.meta.url);
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const dir = join(dirname(require.resolve('nsfwjs')), '..', '..', 'dist', 'models', 'mobilenet_v2_mid');
    const model = require(join(dir, 'model.min.js')) as TfjsGraphModel;
    const shards = Buffer.concat(model.weightsManifest[0]!.paths.map((p) => Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64')));
    const layer = model.modelTopology.node.find((n) => n.name.endsWith('expanded_conv_6/expand/Relu6'))!.name;
    const onnx = encodeOnnxModel(tfjsGraphToOnnx(model, decodeTfjsWeights(model, shards), { layers: [layer], upsample: [1], poolSize: 1 }));
    const session = await ort.InferenceSession.create(onnx);
    const [h, w] = [32, 48];
    const rng = new Rng(1);
    const x = Float32Array.from({ length: h * w * 3 }, () => rng.next());
    const ours = (await session.run({ image: new ort.Tensor('float32', x, [1, h, w, 3]) })).features!.data as Float32Array;
    const topology = JSON.parse(JSON.stringify(model.modelTopology));
    topology.node[0].attr.shape.shape.dim = [{ size: '1' }, { size: '-1' }, { size: '-1' }, { size: '3' }];
    const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength);
    const graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: model.weightsManifest[0]!.weights as never, weightData }));
    const theirs = (graph.execute(tf.tensor4d(x, [1, h, w, 3]), layer) as import('@tensorflow/tfjs').Tensor).dataSync();
    assert.equal(ours.length, theirs.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
    assert.ok(worst < 1e-3, `largest difference ${worst}`);
  });
});
