/*
 * Converts a TensorFlow.js graph model (model.json topology + weight bytes) into an ONNX graph, cut at
 * the requested feature nodes, and appends the PatchCore feature head:
 *   per layer: 3×3 average pooling (stride 1, same size) → deeper layers resized (bilinear) to the
 *   first layer's grid → channel concatenation → NHWC output, one patch vector per grid cell.
 * Supported TF ops are those MobileNet-family graphs use: Placeholder, Const, Mul, Sub, AddV2,
 * _FusedConv2D and FusedDepthwiseConv2dNative (BiasAdd with optional Relu / Relu6), Identity.
 * The graph input is NHWC float RGB; internally everything runs NCHW.
 */
import type { OnnxGraph, OnnxNode, OnnxTensor } from './onnxProto.js';

export interface TfjsGraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { s?: string; i?: string; f?: number; b?: boolean; list?: { i?: string[]; s?: string[] }; shape?: unknown; type?: string; tensor?: unknown }>;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { min?: number; scale?: number; dtype: 'uint8' | 'uint16' | 'float16' };
}

export interface TfjsGraphModel {
  format?: string;
  modelTopology: { node: TfjsGraphNode[] };
  weightsManifest: Array<{ paths: string[]; weights: TfjsWeightSpec[] }>;
}

/** Decodes (and dequantizes) every weight of the manifest from the concatenated shard bytes. */
export function decodeTfjsWeights(model: TfjsGraphModel, bytes: Uint8Array): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (const group of model.weightsManifest) {
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      const q = spec.quantization;
      if (q?.dtype === 'uint8' || q?.dtype === 'uint16') {
        const size = q.dtype === 'uint8' ? 1 : 2;
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        for (let i = 0; i < count; i++) {
          const v = size === 1 ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
          data[i] = v * scale + min;
        }
        offset += count * size;
      } else if (q?.dtype === 'float16') {
        for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(offset + 2 * i, true));
        offset += count * 2;
      } else if (spec.dtype === 'int32') {
        for (let i = 0; i < count; i++) data[i] = view.getInt32(offset + 4 * i, true);
        offset += count * 4;
      } else {
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
        offset += count * 4;
      }
      if (offset > bytes.length) throw new Error(`backbone weights are truncated at ${spec.name}`);
      out.set(spec.name, { shape: spec.shape, data });
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const decodeAttrString = (s: string | undefined): string => (s === undefined ? '' : Buffer.from(s, 'base64').toString('latin1'));

export interface FeatureHeadOptions {
  /** TF node names whose outputs are concatenated, the first one setting the grid (stride). */
  layers: string[];
  /** Upsampling factor of each layer to the first layer's grid (1 for the first). */
  upsample: number[];
  /** Average-pooling window (3 in PatchCore). */
  poolSize: number;
}

/** Builds the ONNX graph: input `image` [1,H,W,3] float → output `features` [1,h,w,C]. */
export function tfjsGraphToOnnx(model: TfjsGraphModel, weights: Map<string, { shape: number[]; data: Float32Array }>, head: FeatureHeadOptions): OnnxGraph {
  const byName = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const needed = new Set<string>();
  const visit = (name: string): void => {
    const clean = name.replace(/:\d+$/, '');
    if (needed.has(clean)) return;
    const node = byName.get(clean);
    if (!node) throw new Error(`backbone graph has no node ${clean}`);
    needed.add(clean);
    for (const i of node.input ?? []) if (!i.startsWith('^')) visit(i);
  };
  for (const l of head.layers) visit(l);

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const ids = new Map<string, string>();
  let counter = 0;
  const id = (tfName: string): string => {
    const clean = tfName.replace(/:\d+$/, '');
    let v = ids.get(clean);
    if (!v) {
      v = `t${counter++}`;
      ids.set(clean, v);
    }
    return v;
  };
  const constant = (name: string, dims: number[], data: Float32Array): string => {
    initializers.push({ name, dims, type: 'float', data });
    return name;
  };
  const clipMin = constant('clip_min', [], Float32Array.of(0));
  const clipMax = constant('clip_max', [], Float32Array.of(6));

  nodes.push({ op: 'Transpose', inputs: ['image'], outputs: ['image_nchw'], attributes: [{ name: 'perm', ints: [0, 3, 1, 2] }] });

  for (const node of model.modelTopology.node) {
    if (!needed.has(node.name)) continue;
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const out = id(node.name);
    switch (node.op) {
      case 'Placeholder':
        ids.set(node.name, 'image_nchw');
        break;
      case 'Const': {
        const w = weights.get(node.name);
        if (!w) throw new Error(`backbone weight ${node.name} is missing`);
        // Scalars and per-channel vectors broadcast as they are; kernels are converted by their users.
        break;
      }
      case 'Identity':
        ids.set(node.name, id(inputs[0]!));
        break;
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add': {
        const args = inputs.map((i) => {
          const w = weights.get(i.replace(/:\d+$/, ''));
          if (!w) return id(i);
          if (w.data.length !== 1) throw new Error(`unsupported non-scalar constant operand ${i}`);
          return constant(`c${counter++}`, [], w.data);
        });
        nodes.push({ op: node.op === 'AddV2' ? 'Add' : node.op, inputs: args, outputs: [out] });
        break;
      }
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = node.op === 'FusedDepthwiseConv2dNative';
        const attr = node.attr ?? {};
        if (decodeAttrString(attr.data_format?.s) !== 'NHWC' && attr.data_format) throw new Error(`unsupported data format in ${node.name}`);
        const fused = (attr.fused_ops?.list?.s ?? []).map(decodeAttrString);
        if (fused[0] !== 'BiasAdd') throw new Error(`unsupported fused ops ${fused.join(',')} in ${node.name}`);
        const kernel = weights.get(inputs[1]!)!;
        const bias = weights.get(inputs[2]!)!;
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        const outChannels = depthwise ? cin * cout : cout;
        const converted = new Float32Array(kernel.data.length);
        // TF: [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]); ONNX: [out, in/group, kh, kw].
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) {
                const src = ((y * kw + x) * cin + i) * cout + o;
                const dst = depthwise ? ((i * cout + o) * kh + y) * kw + x : ((o * cin + i) * kh + y) * kw + x;
                converted[dst] = kernel.data[src]!;
              }
        const wName = constant(`w${counter++}`, depthwise ? [outChannels, 1, kh, kw] : [cout, cin, kh, kw], converted);
        const bName = constant(`b${counter++}`, [outChannels], bias.data);
        const strides = (attr.strides?.list?.i ?? ['1', '1', '1', '1']).map(Number);
        const dilations = (attr.dilations?.list?.i ?? ['1', '1', '1', '1']).map(Number);
        const padding = decodeAttrString(attr.padding?.s);
        const activation = fused[1];
        const convOut = activation ? `${out}_conv` : out;
        nodes.push({
          op: 'Conv',
          inputs: [id(inputs[0]!), wName, bName],
          outputs: [convOut],
          attributes: [
            { name: 'kernel_shape', ints: [kh, kw] },
            { name: 'strides', ints: [strides[1]!, strides[2]!] },
            { name: 'dilations', ints: [dilations[1]!, dilations[2]!] },
            { name: 'group', int: depthwise ? cin : 1 },
            ...(padding === 'SAME' ? [{ name: 'auto_pad', string: 'SAME_UPPER' }] : [{ name: 'pads', ints: [0, 0, 0, 0] }]),
          ],
        });
        if (activation === 'Relu6') nodes.push({ op: 'Clip', inputs: [convOut, clipMin, clipMax], outputs: [out] });
        else if (activation === 'Relu') nodes.push({ op: 'Relu', inputs: [convOut], outputs: [out] });
        else if (activation) throw new Error(`unsupported activation ${activation} in ${node.name}`);
        break;
      }
      default:
        throw new Error(`unsupported backbone op ${node.op} (${node.name})`);
    }
  }

  const pad = (head.poolSize - 1) / 2;
  const parts: string[] = [];
  head.layers.forEach((layer, k) => {
    const pooled = `pool${k}`;
    nodes.push({
      op: 'AveragePool',
      inputs: [id(layer)],
      outputs: [pooled],
      attributes: [
        { name: 'kernel_shape', ints: [head.poolSize, head.poolSize] },
        { name: 'strides', ints: [1, 1] },
        { name: 'pads', ints: [pad, pad, pad, pad] },
        { name: 'count_include_pad', int: 0 },
      ],
    });
    const factor = head.upsample[k] ?? 1;
    if (factor === 1) {
      parts.push(pooled);
    } else {
      const scales = constant(`scales${k}`, [4], Float32Array.of(1, 1, factor, factor));
      nodes.push({
        op: 'Resize',
        inputs: [pooled, '', scales],
        outputs: [`up${k}`],
        attributes: [
          { name: 'mode', string: 'linear' },
          { name: 'coordinate_transformation_mode', string: 'half_pixel' },
        ],
      });
      parts.push(`up${k}`);
    }
  });
  nodes.push({ op: 'Concat', inputs: parts, outputs: ['concat'], attributes: [{ name: 'axis', int: 1 }] });
  nodes.push({ op: 'Transpose', inputs: ['concat'], outputs: ['features'], attributes: [{ name: 'perm', ints: [0, 2, 3, 1] }] });

  return {
    name: 'backbone',
    nodes,
    initializers,
    inputs: [{ name: 'image', type: 'float', shape: [1, 'height', 'width', 3] }],
    outputs: [{ name: 'features', type: 'float', shape: [1, 'h', 'w', 'c'] }],
  };
}
