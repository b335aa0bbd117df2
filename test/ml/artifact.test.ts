import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArtifactError, parseArtifact, serializeArtifact } from '../../src/ml/artifact.js';
import { decodeModel } from '../../src/ml/model.js';

describe('model artifact container', () => {
  const meta = { kind: 'test', note: 'héllo', nested: { a: [1, 2] } };
  const arrays = { f: Float32Array.from([1.5, -2, 3e-7]), i: Int32Array.from([-1, 7]), u: Uint8Array.from([9, 8, 7]) };

  it('round-trips metadata and arrays', () => {
    const bytes = serializeArtifact(meta, arrays);
    const parsed = parseArtifact(bytes);
    assert.deepEqual(parsed.meta, meta);
    assert.deepEqual(parsed.arrays.get('f'), arrays.f);
    assert.deepEqual(parsed.arrays.get('i'), arrays.i);
    assert.deepEqual(parsed.arrays.get('u'), arrays.u);
    // also from an unaligned view inside a larger buffer
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    assert.deepEqual(parseArtifact(shifted.subarray(3)).arrays.get('f'), arrays.f);
  });

  it('refuses tampered, truncated and foreign bytes with a clear error', () => {
    const bytes = serializeArtifact(meta, arrays);
    for (const position of [20, bytes.length - 40, bytes.length - 1]) {
      const t = Uint8Array.from(bytes);
      t[position]! ^= 0x01;
      assert.throws(
        () => parseArtifact(t),
        (e: unknown) => e instanceof ArtifactError && /checksum/.test((e as Error).message),
      );
    }
    assert.throws(() => parseArtifact(bytes.subarray(0, bytes.length - 5)), /checksum/);
    assert.throws(() => parseArtifact(new TextEncoder().encode('{"not":"an artifact"}'.padEnd(100))), /not a Vigil model artifact/);
    const future = Uint8Array.from(bytes);
    future[8] = 99;
    assert.throws(() => parseArtifact(future), /unsupported model artifact format version 99/);
    assert.throws(() => decodeModel(bytes), /not a PatchCore model artifact/);
  });
});
