/*
 * The pretrained feature extractor: nsfwjs's `mobilenet_v2_mid` (TF-Hub MobileNetV2 1.4, ImageNet
 * features, 8-bit quantized weights shipped inside the npm package, MIT) converted in-process to ONNX at
 * first use and run on onnxruntime-node's CPU provider. Nothing is downloaded: the weights are read from
 * node_modules. The converted graph is cached in memory (per process) and, when the caller gives a
 * directory, on disk under its weight hash.
 *
 * Layers (chosen by measurement, see docs/detection-engine.md): expanded_conv_6/expand (stride 8, 288 channels) and
 * expanded_conv_10/expand (stride 16, 528 channels, upsampled ×2), each 3×3 average-pooled, concatenated:
 * 816 values per patch on a stride-8 grid. The graph takes RGB in [0, 1] and rescales to [-1, 1] itself.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel } from './onnxProto.js';
import { runtimeSession } from './runtimeSession.js';
import { decodeTfjsWeights, type TfjsGraphModel, tfjsGraphToOnnx } from './tfjsToOnnx.js';

const PREFIX = 'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/MobilenetV2/';
const LAYERS = [`${PREFIX}expanded_conv_6/expand/Relu6`, `${PREFIX}expanded_conv_10/expand/Relu6`];

/** What an artifact records about the feature extractor, checked again at load. */
export interface BackboneInfo {
  /** Package, model and layers, e.g. `nsfwjs@4.3.0/mobilenet_v2_mid/expanded_conv_6+10/expand/avg3`. */
  id: string;
  /** SHA-256 (hex) of the model topology and weight shards as shipped. */
  weightHash: string;
  /** Grid stride in input pixels. */
  stride: number;
  /** Values per patch. */
  channels: number;
  /** Input height and width must be multiples of this. */
  sizeMultiple: number;
}

export interface FeatureMap {
  /** Patch grid size. */
  height: number;
  width: number;
  channels: number;
  /** Patch-major: data[(y * width + x) * channels + c]. */
  data: Float32Array;
}

export interface Backbone {
  info: BackboneInfo;
  /** Runs the network on an NHWC RGB [0,1] image whose sides are multiples of info.sizeMultiple. */
  extract(rgb: Float32Array, height: number, width: number): Promise<FeatureMap>;
}

interface ShippedModel {
  model: TfjsGraphModel;
  shards: Uint8Array;
  version: string;
  hash: string;
}

let shipped: ShippedModel | undefined;

function loadShippedModel(): ShippedModel {
  if (shipped) return shipped;
  const require = createRequire(import.meta.url);
  // The package exports only its entry point: find its root from there and read the model files directly.
  let root = dirname(require.resolve('nsfwjs'));
  while (!existsSync(join(root, 'package.json')) || JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name !== 'nsfwjs') {
    const up = dirname(root);
    if (up === root) throw new Error('the nsfwjs package (backbone weights) is not installed');
    root = up;
  }
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
  const dir = join(root, 'dist', 'models', 'mobilenet_v2_mid');
  const hash = createHash('sha256');
  const topologyFile = join(dir, 'model.min.js');
  hash.update(readFileSync(topologyFile));
  const model = require(topologyFile) as TfjsGraphModel;
  const parts: Buffer[] = [];
  for (const group of model.weightsManifest) {
    for (const path of group.paths) {
      const file = join(dir, `${path}.min.js`);
      hash.update(readFileSync(file));
      parts.push(Buffer.from(require(file) as string, 'base64'));
    }
  }
  shipped = { model, shards: Buffer.concat(parts), version, hash: hash.digest('hex') };
  return shipped;
}

/** The backbone's identity without building it (cheap after the first call). */
export function backboneInfo(): BackboneInfo {
  const m = loadShippedModel();
  return {
    id: `nsfwjs@${m.version}/mobilenet_v2_mid/expanded_conv_6+10/expand/avg3`,
    weightHash: m.hash,
    stride: 8,
    channels: 816,
    sizeMultiple: 16,
  };
}

let onnxBytes: Promise<Uint8Array> | undefined;

/** The converted ONNX model; from `cacheDir` when it holds one for these weights. */
export async function backboneOnnx(cacheDir?: string): Promise<Uint8Array> {
  const info = backboneInfo();
  onnxBytes ??= (async () => {
    const file = cacheDir ? join(cacheDir, `backbone-${info.weightHash.slice(0, 16)}.onnx`) : undefined;
    if (file && existsSync(file)) return new Uint8Array(await readFile(file));
    const m = loadShippedModel();
    const weights = decodeTfjsWeights(m.model, m.shards);
    const bytes = encodeOnnxModel(tfjsGraphToOnnx(m.model, weights, { layers: LAYERS, upsample: [1, 2], poolSize: 3 }));
    if (file && cacheDir) {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    }
    return bytes;
  })();
  return onnxBytes;
}

export interface BackboneOptions {
  /** Threads the runtime may use for one image (default 1: detection scales out with workers). */
  threads?: number;
  /** Where to keep the converted graph between processes (optional). */
  cacheDir?: string;
}

/** Loads (once per thread count) the backbone session. */
export async function loadBackbone(options: BackboneOptions = {}): Promise<Backbone> {
  const threads = Math.max(1, options.threads ?? 1);
  const s = await runtimeSession('backbone', threads, () => backboneOnnx(options.cacheDir));
  const info = backboneInfo();
  return {
    info,
    async extract(rgb, height, width) {
      if (height % info.sizeMultiple || width % info.sizeMultiple) throw new Error(`backbone input ${width}×${height} is not a multiple of ${info.sizeMultiple}`);
      const result = await s.run({ image: new ort.Tensor('float32', rgb, [1, height, width, 3]) });
      const t = result.features!;
      const [, h, w, c] = t.dims as number[];
      return { height: h!, width: w!, channels: c!, data: t.data as Float32Array };
    },
  };
}
