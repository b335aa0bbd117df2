/*
 * Dense matrix products on onnxruntime (MLAS sgemm): ~20× a JavaScript triple loop on this CPU. Used for
 * random projections and dimensionality reduction; nearest-neighbour search has its own fused graph.
 */
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel } from './onnxProto.js';
import { runtimeSession } from './runtimeSession.js';

const matmulGraph = (): Uint8Array =>
  encodeOnnxModel({
    name: 'matmul',
    nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
    initializers: [],
    inputs: [
      { name: 'a', type: 'float', shape: ['m', 'k'] },
      { name: 'b', type: 'float', shape: ['k', 'n'] },
    ],
    outputs: [{ name: 'c', type: 'float', shape: ['m', 'n'] }],
  });

/** C = A·B with A [m×k] and B [k×n], row-major; A is processed in row blocks of `chunk`. */
export async function matmul(a: Float32Array, b: Float32Array, k: number, n: number, options: { threads?: number; chunk?: number } = {}): Promise<Float32Array> {
  const m = a.length / k;
  if (!Number.isInteger(m) || b.length !== k * n) throw new Error('matmul: shapes do not match');
  const out = new Float32Array(m * n);
  if (m === 0) return out;
  const s = await runtimeSession('matmul', Math.max(1, options.threads ?? 1), matmulGraph);
  const bt = new ort.Tensor('float32', b, [k, n]);
  const chunk = options.chunk ?? 16384;
  for (let start = 0; start < m; start += chunk) {
    const rows = Math.min(chunk, m - start);
    const result = await s.run({ a: new ort.Tensor('float32', a.subarray(start * k, (start + rows) * k), [rows, k]), b: bt });
    out.set(result.c!.data as Float32Array, start * n);
  }
  return out;
}
