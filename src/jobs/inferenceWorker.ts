/*
 * One inference unit: a worker thread holding one loaded model, answering detect requests one at
 * a time. Images arrive and leave as transferred buffers; nothing touches the disk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetector } from '../ml/index.js';

const { artifact, cacheDir } = workerData as { artifact: Uint8Array; cacheDir?: string };
const detector = await loadDetector(artifact, { threads: 1, cacheDir });
parentPort!.on('message', async (request: { id: number; image: Uint8Array; falseAlarmRate?: number; anomalyLevels?: boolean }) => {
  try {
    const detection = await detector.detect(request.image, { falseAlarmRate: request.falseAlarmRate, anomalyLevels: request.anomalyLevels });
    parentPort!.postMessage({ id: request.id, detection });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: { name: (error as Error).name, message: (error as Error).message } });
  }
});
parentPort!.postMessage({ ready: true });
