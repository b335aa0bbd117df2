import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anomalyProbability, calibrate, thresholdAt, verdict } from '../../src/ml/calibration.js';

describe('calibration', () => {
  it('labeled anomalies: the F1-maximising threshold, probability ½ there', () => {
    const scores = [1, 1.2, 1.4, 1.5, 3, 3.5, 4, 1.45];
    const labels = [false, false, false, false, true, true, true, true];
    const c = calibrate(scores, labels);
    assert.equal(c.method, 'f1-max');
    // F1-max: flag scores ≥ 3 and 1.45? best F1 = flag the top 3 (F1 6/7) or top 5 ({4,3.5,3,1.5,1.45}: P 4/5, R 1 → 8/9)
    assert.ok(c.threshold > 1.4 && c.threshold <= 1.45, `threshold ${c.threshold}`);
    assert.ok(Math.abs(anomalyProbability(c, c.threshold) - 0.5) < 1e-12);
    assert.ok(c.slope > 0 && Number.isFinite(c.slope));
  });

  it('normal images only: median + 3 robust standard deviations', () => {
    // median 4, absolute deviations 3 2 1 0 1 2 96 → MAD 2; the outlier does not move the threshold
    const normals = [1, 2, 3, 4, 5, 6, 100];
    const c = calibrate(normals, normals.map(() => false));
    assert.equal(c.method, 'normal-statistics');
    assert.ok(Math.abs(c.threshold - (4 + 3 * 1.4826 * 2)) < 1e-9);
    assert.equal(c.normalMedian, 4);
    // the median normal image gets a 5 % anomaly probability
    assert.ok(Math.abs(anomalyProbability(c, 4) - 0.05) < 1e-9);
    // no spread at all around the median: the plain standard deviation
    const flat = calibrate([2, 2, 2, 2, 3], [false, false, false, false, false]);
    assert.ok(Math.abs(flat.threshold - (2 + 3 * Math.sqrt(0.8 / 4))) < 1e-9);
  });

  it('probability is monotone; confidence is in the verdict; sensitivity moves the threshold', () => {
    const c = calibrate([1, 2, 3, 10, 11, 12], [false, false, false, true, true, true]);
    let last = -1;
    for (let s = 0; s < 15; s += 0.25) {
      const p = anomalyProbability(c, s);
      assert.ok(p >= last && p >= 0 && p <= 1);
      last = p;
    }
    const high = verdict(c, 11);
    assert.equal(high.isAnomalous, true);
    assert.ok(high.confidence > 0.5 && high.confidence === high.anomalyProbability);
    const low = verdict(c, 1.5);
    assert.equal(low.isAnomalous, false);
    assert.ok(Math.abs(low.confidence - (1 - low.anomalyProbability)) < 1e-12);
    assert.equal(thresholdAt(c, 0.5), c.threshold);
    assert.equal(thresholdAt(c, 1), c.normalMedian);
    assert.ok(thresholdAt(c, 0.8) < c.threshold && thresholdAt(c, 0.2) > c.threshold);
    // a borderline image flips with sensitivity, without retraining
    const borderline = (c.threshold + c.normalMedian) / 2;
    assert.equal(verdict(c, borderline).isAnomalous, false);
    assert.equal(verdict(c, borderline, 0.9).isAnomalous, true);
    assert.throws(() => thresholdAt(c, 1.5), RangeError);
  });
});
