import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atAnomalyRate, auroc, aurocBinned, confusionAt, f1MaxThreshold, falseAlarmRate, imageFigures, PixelClassTally, perClassOverlap, prCurve, precisionRecall } from '../../src/ml/metrics.js';

describe('metrics', () => {
  it('AUROC counts correctly ordered pairs, ties as one half', () => {
    // positives {0.8, 0.4}, negatives {0.5, 0.1}: pairs (0.8>0.5)(0.8>0.1)(0.4<0.5)(0.4>0.1) → 3/4
    assert.equal(auroc([0.8, 0.5, 0.4, 0.1], [true, false, true, false]), 0.75);
    // a tie between a positive and a negative counts 1/2: pairs (1>0) (0.5=0.5 → ½) → 1.5 / 2
    assert.equal(auroc([1, 0.5, 0.5, 0], [true, true, false, false]), 0.875);
    assert.equal(auroc([1, 2, 3], [false, false, false]), NaN);
    assert.equal(auroc([3, 2, 1, 0], [true, true, false, false]), 1);
    assert.equal(auroc([0, 1], [true, false]), 0);
  });

  it('binned AUROC equals the exact one when every score has its own bin', () => {
    const scores = Float32Array.from([0, 1, 2, 2, 3, 4, 5, 5, 6, 7]);
    const labels = Uint8Array.from([0, 0, 1, 0, 0, 1, 1, 0, 1, 1]);
    assert.equal(aurocBinned(scores, labels, 8), auroc(Array.from(scores), Array.from(labels, Boolean)));
  });

  it('precision, recall and F1 at a threshold', () => {
    const c = confusionAt([0.9, 0.7, 0.6, 0.3, 0.2], [true, false, true, true, false], 0.5);
    assert.deepEqual(c, { tp: 2, fp: 1, tn: 1, fn: 1 });
    const pr = precisionRecall(c);
    assert.equal(pr.precision, 2 / 3);
    assert.equal(pr.recall, 2 / 3);
    assert.ok(Math.abs(pr.f1 - 2 / 3) < 1e-12);
    assert.deepEqual(precisionRecall({ tp: 0, fp: 0, tn: 3, fn: 0 }), { precision: 0, recall: 0, f1: 0 });
  });

  it('PR curve points and the F1-max threshold', () => {
    const scores = [0.9, 0.8, 0.7, 0.4, 0.3];
    const labels = [true, true, false, true, false];
    const curve = prCurve(scores, labels);
    assert.deepEqual(
      curve.map((p) => p.threshold),
      [0.9, 0.8, 0.7, 0.4, 0.3],
    );
    assert.deepEqual(
      curve.map((p) => [p.precision, p.recall]),
      [
        [1, 1 / 3],
        [1, 2 / 3],
        [2 / 3, 2 / 3],
        [3 / 4, 1],
        [3 / 5, 1],
      ],
    );
    // F1: 0.5, 0.8, 0.667, 0.857, 0.75 → best at 0.4, placed halfway to the next lower score 0.3
    const best = f1MaxThreshold(scores, labels);
    assert.ok(Math.abs(best.f1 - 6 / 7) < 1e-12);
    assert.ok(Math.abs(best.threshold - 0.35) < 1e-12);
  });

  it('per-class F1 and IoU over pixels', () => {
    const truth = Uint8Array.from([0, 1, 1, 1, 2, 2, 0, 0]);
    const pred = Uint8Array.from([1, 1, 1, 0, 2, 0, 0, 2]);
    const m = perClassOverlap(pred, truth, 3);
    // class 1: tp 2, fp 1, fn 1 → F1 4/6, IoU 2/4; class 2: tp 1, fp 1, fn 1 → F1 2/4, IoU 1/3; class 3 absent
    assert.ok(Math.abs(m.get(1)!.f1 - 2 / 3) < 1e-12);
    assert.equal(m.get(1)!.iou, 0.5);
    assert.equal(m.get(2)!.f1, 0.5);
    assert.ok(Math.abs(m.get(2)!.iou - 1 / 3) < 1e-12);
    assert.equal(m.has(3), false);
  });

  it('image figures from verdicts, with the false-alarm rate of the normals (null without any)', () => {
    const f = imageFigures([true, true, false, true, false], [true, false, true, true, false]);
    assert.deepEqual(f.counts, { tp: 2, fp: 1, tn: 1, fn: 1 });
    assert.equal(f.precision, 2 / 3);
    assert.equal(f.recall, 2 / 3);
    assert.equal(f.falseAlarmRate, 0.5);
    assert.equal(imageFigures([true], [true]).falseAlarmRate, null);
  });

  it('per-class pixel figures over several images: pooled precision, recall, F1 and IoU, mean per-image IoU', () => {
    const tally = new PixelClassTally(2);
    tally.add(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 0, 0, 0])); // class 1: tp 1, fp 1 → IoU 1/2
    tally.add(Uint8Array.from([1, 0, 0, 0]), Uint8Array.from([1, 1, 1, 0])); // class 1: tp 1, fn 2 → IoU 1/3
    tally.add(Uint8Array.from([1, 0, 0, 0]), Uint8Array.from([0, 0, 0, 0])); // class 1: fp 1, not shown: no IoU
    const c1 = tally.figures(1)!;
    assert.equal(c1.precision, 2 / 4);
    assert.equal(c1.recall, 2 / 4);
    assert.equal(c1.iou, 2 / 6);
    assert.ok(Math.abs(c1.aiou - (1 / 2 + 1 / 3) / 2) < 1e-12);
    assert.equal(c1.images, 2);
    assert.equal(tally.figures(2), undefined);
    assert.throws(() => tally.add(new Uint8Array(3), new Uint8Array(4)), RangeError);
  });

  it("false-alarm rate, and precision / F1 re-weighted to a line's anomaly rate equal counting such a line", () => {
    assert.equal(falseAlarmRate({ tp: 3, fp: 2, tn: 18, fn: 1 }), 0.1);
    assert.equal(falseAlarmRate({ tp: 3, fp: 0, tn: 0, fn: 1 }), 0);
    // 1 000 parts at 7 %: recall 0.8 catches 56 of 70, 2 % of 930 good parts flagged = 18.6
    const line = atAnomalyRate(0.8, 0.02, 0.07);
    const counted = precisionRecall({ tp: 56, fp: 18.6, tn: 911.4, fn: 14 });
    assert.ok(Math.abs(line.precision - counted.precision) < 1e-12 && Math.abs(line.f1 - counted.f1) < 1e-12);
    assert.deepEqual(atAnomalyRate(0, 0.02, 0.07), { precision: 0, f1: 0 });
  });
});
