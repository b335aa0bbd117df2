import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Lookout for Vision's CloudWatch metrics (namespace AWS/LookoutVision, dimensions ProjectName and
 * ModelVersion) as Prometheus metrics: ProcessedImageCount, DetectedAnomalyCount,
 * InvalidImageCount, Time, and the inference units of each hosted model.
 */
export class DetectionMetrics {
  readonly registry = new Registry();
  private readonly processed: Counter<'project_name' | 'model_version'>;
  private readonly anomalies: Counter<'project_name' | 'model_version'>;
  private readonly invalid: Counter<'project_name' | 'model_version'>;
  private readonly time: Histogram<'project_name' | 'model_version'>;
  private readonly unitSources = new Map<string, () => HostedUnits>();

  constructor() {
    const registers = [this.registry];
    const labelNames = ['project_name', 'model_version'] as const;
    this.processed = new Counter({ name: 'vigil_processed_images_total', help: 'Images DetectAnomalies processed (ProcessedImageCount).', labelNames, registers });
    this.anomalies = new Counter({ name: 'vigil_detected_anomalies_total', help: 'Images found anomalous (DetectedAnomalyCount).', labelNames, registers });
    this.invalid = new Counter({ name: 'vigil_invalid_images_total', help: 'Images refused as invalid (InvalidImageCount).', labelNames, registers });
    this.time = new Histogram({
      name: 'vigil_detect_seconds',
      help: 'Time to answer DetectAnomalies (Time).',
      labelNames,
      buckets: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2],
      registers,
    });
    const sources = this.unitSources;
    new Gauge({
      name: 'vigil_inference_units',
      help: 'Inference units of hosted models: kind min, max (MinInferenceUnits, MaxInferenceUnits) or in_service (InServiceInferenceUnits).',
      labelNames: ['project_name', 'model_version', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const [key, read] of sources) {
          const [project_name, model_version] = key.split('\n');
          const units = read();
          this.set({ project_name, model_version, kind: 'min' }, units.min);
          this.set({ project_name, model_version, kind: 'max' }, units.max);
          this.set({ project_name, model_version, kind: 'in_service' }, units.inService);
        }
      },
    });
  }

  detected(projectName: string, version: number, anomalous: boolean, seconds: number): void {
    const labels = { project_name: projectName, model_version: String(version) };
    this.processed.inc(labels);
    if (anomalous) this.anomalies.inc(labels);
    this.time.observe(labels, seconds);
  }

  invalidImage(projectName: string, version: number): void {
    this.invalid.inc({ project_name: projectName, model_version: String(version) });
  }

  /** Reports a hosted model's units until `forget` is called with the same model. */
  hosting(projectName: string, version: number, read: () => HostedUnits): void {
    this.unitSources.set(`${projectName}\n${version}`, read);
  }

  forget(projectName: string, version: number): void {
    this.unitSources.delete(`${projectName}\n${version}`);
  }

  /**
   * Shared database: reports the live nodes (from the node registry's last heartbeat) and each hosted
   * model's admission limit on this node. Registered only then: the embedded default's metrics stay as they were.
   */
  cluster(liveNodes: () => number): void {
    const sources = this.unitSources;
    new Gauge({
      name: 'vigil_detect_admission_limit',
      help: "DetectAnomalies requests of a hosted model this node admits at once: its share of the model's capacity across the live nodes.",
      labelNames: ['project_name', 'model_version'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [key, read] of sources) {
          const [project_name, model_version] = key.split('\n');
          const limit = read().admissionLimit;
          if (limit !== undefined) this.set({ project_name, model_version }, limit);
        }
      },
    });
    new Gauge({
      name: 'vigil_cluster_live_nodes',
      help: 'Nodes sharing the database whose heartbeat is within the job lease, this one included.',
      registers: [this.registry],
      collect() {
        this.set(liveNodes());
      },
    });
  }
}

/** A hosted model's units on this node, and the detections this node admits at once (shared database). */
interface HostedUnits {
  min: number;
  max: number;
  inService: number;
  admissionLimit?: number;
}
