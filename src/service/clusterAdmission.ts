import { REQUESTS_PER_UNIT } from '../jobs/modelRuntime.js';
import type { ModelRecord } from '../store/modelRecords.js';
import { ThrottlingError } from './errors.js';

/**
 * Throttling of DetectAnomalies per model across the nodes sharing a database. A model's capacity is its
 * MaxInferenceUnits × the requests one unit holds (one it works on, 8 waiting: what one node admits for
 * it); each node admits at most its share of that (`shareOf`, from the node registry's last heartbeat:
 * no database round trip per request) at once, and answers the rest 429 ThrottlingException at once.
 */
export class ClusterAdmission {
  /** Detections running or waiting on this node, by model ARN. */
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly shareOf: (capacity: number) => number) {}

  /** The detections of the model this node admits at once now. */
  limitOf(model: Pick<ModelRecord, 'minInferenceUnits' | 'maxInferenceUnits'>): number {
    const units = model.maxInferenceUnits ?? model.minInferenceUnits ?? 1;
    return this.shareOf(units * REQUESTS_PER_UNIT);
  }

  /** Runs the detection if the model has room on this node; ThrottlingError otherwise. */
  async run<T>(model: ModelRecord, detect: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(model.arn) ?? 0;
    const limit = this.limitOf(model);
    if (running >= limit) {
      throw new ThrottlingError(`Model ${model.version} is answering as many requests as its inference units allow across the nodes (${limit} at once on this node); retry shortly.`, 1);
    }
    this.inFlight.set(model.arn, running + 1);
    try {
      return await detect();
    } finally {
      const left = (this.inFlight.get(model.arn) ?? 1) - 1;
      if (left > 0) this.inFlight.set(model.arn, left);
      else this.inFlight.delete(model.arn);
    }
  }
}
