import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../src/service/errors.js';
import { checkAddedTags, checkCreateTags, checkRemovedKeys, falseAlarmRateTarget, trainingSettings } from '../../src/service/reservedTags.js';

const rateTag = (value: string) => ({ key: 'vigil:false-alarm-rate', value });

describe('reserved model tags', () => {
  test('vigil:false-alarm-rate is read as a decimal from 0.0001 to 0.5; the last of repeated keys counts, as TagResource keeps it', () => {
    assert.equal(falseAlarmRateTarget([]), undefined);
    assert.equal(falseAlarmRateTarget([{ key: 'line', value: '3' }, rateTag('0.01')]), 0.01);
    assert.equal(falseAlarmRateTarget([rateTag('.5')]), 0.5);
    assert.equal(falseAlarmRateTarget([rateTag('0.0001')]), 0.0001);
    assert.equal(falseAlarmRateTarget([rateTag('0.1'), rateTag('0.02')]), 0.02);
  });

  test('a stored value that is not a valid target (tagged before the key was reserved) means the calibrated threshold', () => {
    for (const value of ['abc', '', '1', '0.9', '1e-2']) assert.equal(falseAlarmRateTarget([rateTag(value)]), undefined, value);
  });

  test('CreateModel and TagResource refuse bad targets and unknown vigil: keys; only TagResource and UntagResource refuse training settings', () => {
    const invalid = (check: () => void, message: RegExp) => assert.throws(check, (error: Error) => error instanceof ValidationError && message.test(error.message));
    for (const value of ['0', '0.00009', '0.51', 'abc', '', '1e-2', '+0.1', '0.01 ']) {
      invalid(() => checkCreateTags([rateTag(value)]), /vigil:false-alarm-rate must be/);
      invalid(() => checkAddedTags([rateTag(value)]), /vigil:false-alarm-rate must be/);
    }
    invalid(() => checkAddedTags([rateTag('0.1'), rateTag('0.9')]), /not '0.9'/);
    invalid(() => checkCreateTags([{ key: 'vigil:sensitivity', value: 'high' }]), /not vigil:sensitivity/);
    invalid(() => checkAddedTags([{ key: 'vigil:augment', value: 'tilt' }]), /training setting/);
    invalid(() => checkRemovedKeys(['vigil:augment']), /training setting/);
    invalid(() => checkCreateTags([{ key: 'vigil:surface', value: 'wood' }]), /vigil:surface must be part, texture \(not wood\)/);
    invalid(() => checkAddedTags([{ key: 'vigil:surface', value: 'texture' }]), /training setting/);
    invalid(() => checkCreateTags([{ key: 'vigil:anomaly-head', value: 'features' }]), /vigil:anomaly-head must be scores, scores-and-features \(not features\)/);
    invalid(() => checkAddedTags([{ key: 'vigil:anomaly-head', value: 'scores' }]), /training setting/);
    invalid(() => checkRemovedKeys(['vigil:anomaly-head']), /training setting/);
    checkCreateTags([{ key: 'vigil:augment', value: 'tilt' }, { key: 'vigil:surface', value: 'texture' }, rateTag('0.02'), { key: 'line', value: '3' }]);
    assert.deepEqual(trainingSettings([{ key: 'vigil:surface', value: 'texture' }]), { augment: 'none', surface: 'texture', anomalyHead: 'scores' });
    assert.deepEqual(trainingSettings([{ key: 'vigil:anomaly-head', value: 'scores-and-features' }]), { augment: 'none', surface: 'part', anomalyHead: 'scores-and-features' });
    assert.deepEqual(trainingSettings([]), { augment: 'none', surface: 'part', anomalyHead: 'scores' });
    checkAddedTags([rateTag('0.5'), { key: 'line', value: '3' }]);
    checkRemovedKeys(['vigil:false-alarm-rate', 'vigil:unknown', 'line']);
  });
});
