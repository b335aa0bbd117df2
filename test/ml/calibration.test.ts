import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Calibration,
  calibrate,
  DEFAULT_FALSE_ALARM_RATE,
  expectedRecallAt,
  falseAlarmRateAt,
  LINE_ANOMALY_RATE,
  MAX_DEFAULT_FALSE_ALARM_RATE,
  thresholdFor,
  thresholdForFalseAlarmRate,
  verdict,
} from '../../src/ml/calibration.js';
import { Rng } from '../../src/ml/components/random.js';
import { f1MaxThreshold } from '../../src/ml/metrics.js';

/** Draws from an exponential distribution (a right tail like that of patch-distance scores). */
function exponentialScores(n: number, seed: number, offset = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => offset - Math.log(1 - rng.next()));
}

describe('calibration', () => {
  it('normal images only: the threshold whose estimated false-alarm rate is the default', () => {
    const normals = exponentialScores(40, 1);
    const c = calibrate(
      normals,
      normals.map(() => false),
    );
    assert.equal(c.method, 'false-alarm-rate');
    assert.ok(Math.abs(falseAlarmRateAt(c, c.threshold) - DEFAULT_FALSE_ALARM_RATE) < 1e-9);
    // Beyond every training normal: 1 % cannot be read off 40 scores, the fitted tail extrapolates.
    assert.ok(c.threshold > Math.max(...normals), `threshold ${c.threshold}`);
    assert.equal(expectedRecallAt(c, c.threshold), null);
    assert.equal(c.normalCount, 40);
  });

  it('holds its estimated false-alarm rate on new normals of the same distribution', () => {
    // 60 held-out normals from an exponential tail; the true rate above the 1 % threshold is e^{-(t - 1)}.
    const rates: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const normals = exponentialScores(60, seed);
      const c = calibrate(
        normals,
        normals.map(() => false),
      );
      rates.push(Math.exp(-(c.threshold - 1)));
    }
    rates.sort((a, b) => a - b);
    const medianRate = rates[rates.length >> 1]!;
    assert.ok(medianRate > 0.002 && medianRate < 0.02, `median true false-alarm rate ${medianRate}`);
  });

  it('labeled anomalies: the best F1 expected on a line, false alarms capped; balanced F1-max only a lower bound', () => {
    // Anomalies overlap the normals' upper tail: F1-max on balanced data sits inside the normals; the line's
    // threshold lies above it, within the false-alarm cap, at the best of the expected line F1.
    const normals = exponentialScores(50, 3);
    const anomalies = exponentialScores(50, 4, 3);
    const scores = [...normals, ...anomalies];
    const labels = [...normals.map(() => false), ...anomalies.map(() => true)];
    const c = calibrate(scores, labels);
    assert.equal(c.method, 'line-f1');
    assert.ok(falseAlarmRateAt(c, c.threshold) <= MAX_DEFAULT_FALSE_ALARM_RATE + 1e-9);
    const recall = expectedRecallAt(c, c.threshold)!;
    assert.ok(recall > 0 && recall < 1);
    const lineF1 = (t: number): number => {
      const tp = LINE_ANOMALY_RATE * expectedRecallAt(c, t)!;
      return (2 * tp) / (tp + LINE_ANOMALY_RATE + (1 - LINE_ANOMALY_RATE) * falseAlarmRateAt(c, t));
    };
    // midway below the held-out anomaly score with the best expected line F1
    const best = Math.max(...anomalies.filter((a) => a >= c.threshold).map(lineF1));
    const next = Math.min(...anomalies.filter((a) => a >= c.threshold));
    assert.ok(Math.abs(lineF1(next) - best) < 1e-12);
    assert.ok(c.threshold > f1MaxThreshold(scores, labels).threshold);
    // Well separated anomalies: a threshold between the normals' tail and the anomalies, catching them all.
    const far = [...normals, ...anomalies.map((a) => a + 20)];
    const separated = calibrate(far, labels);
    assert.ok(separated.threshold > thresholdForFalseAlarmRate(separated, DEFAULT_FALSE_ALARM_RATE));
    assert.ok(separated.threshold < Math.min(...anomalies) + 20);
    assert.equal(expectedRecallAt(separated, separated.threshold), 1);
  });

  it('a false-alarm-rate target moves the threshold monotonically; out of range is refused', () => {
    const normals = exponentialScores(30, 5);
    const c = calibrate(
      normals,
      normals.map(() => false),
    );
    let last = Infinity;
    for (const rate of [0.0001, 0.001, 0.01, 0.05, 0.1, 0.3, 0.5]) {
      const t = thresholdForFalseAlarmRate(c, rate);
      assert.ok(t < last, `rate ${rate}: ${t} !< ${last}`);
      assert.ok(falseAlarmRateAt(c, t) <= rate + 1e-9);
      last = t;
    }
    assert.equal(thresholdFor(c), c.threshold);
    for (const bad of [0, 0.6, NaN, -1]) assert.throws(() => thresholdForFalseAlarmRate(c, bad), RangeError);
  });

  it('probability is monotone, ½ at the threshold used; confidence is in the verdict', () => {
    const c = calibrate([1, 2, 3, 10, 11, 12], [false, false, false, true, true, true]);
    let last = -1;
    for (let s = 0; s < 15; s += 0.25) {
      const p = verdict(c, s).anomalyProbability;
      assert.ok(p >= last && p >= 0 && p <= 1);
      last = p;
    }
    assert.ok(Math.abs(verdict(c, c.threshold).anomalyProbability - 0.5) < 1e-12);
    const high = verdict(c, 11);
    assert.equal(high.isAnomalous, true);
    assert.ok(high.confidence > 0.5 && high.confidence === high.anomalyProbability);
    const low = verdict(c, 1.5);
    assert.equal(low.isAnomalous, false);
    assert.ok(Math.abs(low.confidence - (1 - low.anomalyProbability)) < 1e-12);
    // a borderline image flips with the threshold, without retraining
    assert.equal(verdict(c, 5, 4).isAnomalous, true);
    assert.equal(verdict(c, 5, 6).isAnomalous, false);
  });

  it('models trained before held-out scores were kept: a Gaussian tail around their median', () => {
    const old: Calibration = { method: 'normal-statistics', threshold: 7, normalMedian: 4, slope: 1 };
    // their threshold was 3 sd above the median: 0.135 % estimated
    assert.ok(Math.abs(falseAlarmRateAt(old, 7) - 0.00135) < 2e-5);
    assert.ok(Math.abs(thresholdForFalseAlarmRate(old, 0.5) - 4) < 1e-6);
    assert.ok(thresholdForFalseAlarmRate(old, 0.01) < 7);
  });
});
