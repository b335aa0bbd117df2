/*
 * onnxruntime CPU sessions, one per graph and thread count, created at first use and kept for the
 * process (the backbone and the small matmul / nearest-neighbour graphs all run this way).
 */
import * as ort from 'onnxruntime-node';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

/** The session for `name` at `threads` intra-op threads; `model` gives the ONNX bytes the first time only. */
export function runtimeSession(name: string, threads: number, model: () => Uint8Array | Promise<Uint8Array>): Promise<ort.InferenceSession> {
  const key = `${name}/${threads}`;
  let session = sessions.get(key);
  if (!session) {
    session = (async () =>
      ort.InferenceSession.create(await model(), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      }))();
    sessions.set(key, session);
  }
  return session;
}
