import { DescribeModelCommand, ListTagsForResourceCommand, type ModelDescription, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type ConfigInput, loadConfig } from '../config.js';
import { FALSE_ALARM_RATE_TAG, falseAlarmRateTarget } from '../service/reservedTags.js';
import { type OperatingCurvePoint, readVigilEvaluation } from '../service/vigilEvaluation.js';
import { type ApiClients, apiClients, type ConnectionOptions } from './apiClients.js';

export interface FalseAlarmRateOptions extends ConnectionOptions {
  /** Sets the target (the tag's value, as typed); checked by the server. */
  set?: string;
  /** Removes the tag: back to the model's calibrated threshold. */
  clear?: boolean;
}

/** What a model is set to and expected to do, as `vigil models false-alarm-rate` prints it. */
export interface FalseAlarmRateReport {
  ModelArn: string;
  /** The vigil:false-alarm-rate tag's value; null: the calibrated threshold. */
  FalseAlarmRateTarget: string | null;
  /** The tag holds no valid target (set before Vigil reserved the key): the calibrated threshold applies. */
  TargetIgnored: boolean;
  /** Expected at the target, from the evaluation result file; null when the model's evaluation has no such figures. */
  Expected: ExpectedAtTarget | null;
  OperatingCurve: OperatingCurvePoint[];
}

export interface ExpectedAtTarget {
  /** Estimated share of good parts flagged; off the curve's ladder, the target is its upper bound. */
  FalseAlarmRate: number;
  FalseAlarmRateIsUpperBound: boolean;
  /** Share of held-out labeled anomalies caught (a range off the ladder); null: trained on normals only. */
  Recall: number | null;
  RecallRange?: [number, number];
}

/**
 * `vigil models false-alarm-rate PROJECT VERSION [RATE | --default]`: sets or removes the model's
 * vigil:false-alarm-rate tag through the public API (TagResource / UntagResource on the ARN DescribeModel
 * gives) and reports what the model is expected to do at its target, read from the Vigil member of its
 * evaluation result file (GetObject on the location DescribeModel gives).
 */
export async function falseAlarmRate(flags: ConfigInput & { config?: string }, project: string, version: string, options: FalseAlarmRateOptions): Promise<FalseAlarmRateReport> {
  if (options.set !== undefined && options.clear) throw new Error('give a rate or --default, not both');
  const clients = await apiClients(loadConfig(flags), options);
  try {
    const model = (await clients.lookoutVision.send(new DescribeModelCommand({ ProjectName: project, ModelVersion: version }))).ModelDescription!;
    const arn = model.ModelArn!;
    if (options.set !== undefined) await clients.lookoutVision.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: FALSE_ALARM_RATE_TAG, Value: options.set }] }));
    if (options.clear) await clients.lookoutVision.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: [FALSE_ALARM_RATE_TAG] }));
    const tags = (await clients.lookoutVision.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? [];
    const target = tags.find((t) => t.Key === FALSE_ALARM_RATE_TAG)?.Value ?? null;
    // As the server reads it: a value tagged before Vigil reserved the key and not a valid target is ignored.
    const rate = falseAlarmRateTarget(tags.map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' })));
    const evaluation = await evaluationOf(clients, model);
    return {
      ModelArn: arn,
      FalseAlarmRateTarget: target,
      TargetIgnored: target !== null && rate === undefined,
      Expected: evaluation ? expectedAt(evaluation.curve, evaluation.calibrated, rate) : null,
      OperatingCurve: evaluation?.curve ?? [],
    };
  } finally {
    clients.destroy();
  }
}

/** The human-readable report. */
export function describeReport(project: string, version: string, report: FalseAlarmRateReport, withCurve: boolean): string {
  const lines = [
    `${project}/${version}: ${
      report.FalseAlarmRateTarget === null
        ? `calibrated threshold (no ${FALSE_ALARM_RATE_TAG} tag)`
        : report.TargetIgnored
          ? `calibrated threshold (tag ${FALSE_ALARM_RATE_TAG} holds '${report.FalseAlarmRateTarget}', not a valid target; set it again or remove it)`
          : `false-alarm-rate target ${report.FalseAlarmRateTarget} (tag ${FALSE_ALARM_RATE_TAG})`
    }`,
  ];
  const e = report.Expected;
  if (!e) {
    lines.push('expected figures: not recorded (the model was trained before Vigil recorded them; train a new version to see them)');
  } else {
    const recall =
      e.Recall === null && !e.RecallRange
        ? 'recall unknown (trained on normal images only)'
        : `recall ${e.RecallRange ? `${e.RecallRange[0].toFixed(2)}–${e.RecallRange[1].toFixed(2)}` : e.Recall!.toFixed(2)} of held-out labeled anomalies`;
    lines.push(`expected on the line: ${e.FalseAlarmRateIsUpperBound ? 'at most ' : ''}${percent(e.FalseAlarmRate)} of good parts flagged, ${recall} (estimated from held-out training images)`);
  }
  if (withCurve && report.OperatingCurve.length > 0) {
    lines.push('target    false alarms  recall');
    for (const p of report.OperatingCurve) {
      lines.push(`${String(p.FalseAlarmRateTarget).padEnd(10)}${percent(p.ExpectedFalseAlarmRate).padEnd(14)}${p.ExpectedRecall === null ? '–' : p.ExpectedRecall.toFixed(2)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function evaluationOf(clients: ApiClients, model: ModelDescription) {
  const location = model.EvaluationResult;
  if (!location?.Bucket || !location.Key) return undefined;
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: location.Bucket, Key: location.Key }));
  const member = readVigilEvaluation(JSON.parse(await object.Body!.transformToString()));
  if (!member) return undefined;
  return { curve: member.OperatingCurve, calibrated: { falseAlarmRate: member.ExpectedFalseAlarmRate, recall: member.ExpectedRecall } };
}

/**
 * The expected figures at a target: the calibrated point without one, the curve's point on its ladder; between
 * two ladder points the target bounds the false-alarm rate and the recall lies between theirs (both grow with
 * the target).
 */
function expectedAt(curve: OperatingCurvePoint[], calibrated: { falseAlarmRate: number; recall: number | null }, target: number | undefined): ExpectedAtTarget | null {
  if (target === undefined) return { FalseAlarmRate: calibrated.falseAlarmRate, FalseAlarmRateIsUpperBound: false, Recall: calibrated.recall };
  const exact = curve.find((p) => Math.abs(p.FalseAlarmRateTarget - target) <= 1e-12 * target);
  if (exact) return { FalseAlarmRate: exact.ExpectedFalseAlarmRate, FalseAlarmRateIsUpperBound: false, Recall: exact.ExpectedRecall };
  const below = curve.filter((p) => p.FalseAlarmRateTarget < target).at(-1);
  const above = curve.find((p) => p.FalseAlarmRateTarget > target);
  if (!below || !above) return null;
  const range: [number, number] | undefined = below.ExpectedRecall === null || above.ExpectedRecall === null ? undefined : [below.ExpectedRecall, above.ExpectedRecall];
  return { FalseAlarmRate: target, FalseAlarmRateIsUpperBound: true, Recall: range && range[0] === range[1] ? range[0] : null, ...(range && range[0] !== range[1] ? { RecallRange: range } : {}) };
}

const percent = (rate: number): string => `${Number((rate * 100).toPrecision(2))} %`;
