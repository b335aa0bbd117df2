/*
 * The model artifact container: versioned and self-describing, plain bytes that the caller seals.
 *
 *   "VIGILMDL" (8 bytes) | format version u32 LE | header length u32 LE | header JSON (UTF-8)
 *   | zero padding to a multiple of 8 | arrays, each at its recorded offset | SHA-256 of all the above
 *
 * The header holds the model description (kind, backbone id + weight hash, preprocessing, calibration,
 * classes…) and the table of arrays (name, type, length, offset). The trailing digest catches truncation
 * and corruption (integrity against an attacker is the sealed envelope's job); every structural check
 * fails with an ArtifactError that says what is wrong.
 */
import { createHash } from 'node:crypto';

export const ARTIFACT_MAGIC = 'VIGILMDL';
/**
 * 6: the labeled-anomaly head may learn from the image's max-pooled features too (`head.pooledFeatures`,
 * anomalyHead.ts), and a patch score may average its `patchNeighbours` nearest bank entries (patchcore.ts); a
 * build that reads only up to 5 would score such a model differently, so it refuses it.
 * 5: preprocessing may hold an intensity target (`intensity: { mean, sd }`, features.ts), and the header border
 * scale and score level flag (borderScale.ts, scoreLevel.ts); a build that reads only up to 4 would score such a
 * model differently, so it refuses it. 4: may hold a global score fused with the patch score (`globalScore: { kind, dim, patch, global }`, f32
 * array `globalDescriptors`, see globalScore.ts); without it a version-4 model scores as version 3 does.
 * 3: may hold image-score re-weighting (`reweight: { b, width }`, i32 array `bankNeighbours`, see
 * patchcore.ts); without it a version-3 model scores as version 2 does. 2: preprocessing may hold a tile
 * layout (large working images). 1: no tiles; still read (a version-1 model runs exactly as before: one
 * backbone pass). Versions 1 and 2 never re-weight; versions 1–3 never have a global score. Versions above this build's are refused.
 */
export const ARTIFACT_FORMAT_VERSION = 6;
export const ARTIFACT_READABLE_VERSIONS: readonly number[] = [1, 2, 3, 4, 5, 6];

export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

type ArrayValue = Float32Array | Int32Array | Uint8Array;
const TYPES = { f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
type ArrayType = keyof typeof TYPES;

interface ArrayEntry {
  name: string;
  type: ArrayType;
  length: number;
  offset: number;
}

const typeOf = (a: ArrayValue): ArrayType => (a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'u8');
const align8 = (n: number): number => (n + 7) & ~7;

export function serializeArtifact(meta: Record<string, unknown>, arrays: Record<string, ArrayValue>, version = ARTIFACT_FORMAT_VERSION): Uint8Array {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, type: typeOf(a), length: a.length, offset });
    offset = align8(offset + a.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ ...meta, arrays: entries }));
  const dataStart = align8(16 + header.length);
  const total = dataStart + offset + 32;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(ARTIFACT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, header.length, true);
  out.set(header, 16);
  for (const e of entries) {
    const a = arrays[e.name]!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + e.offset);
  }
  out.set(
    createHash('sha256')
      .update(out.subarray(0, total - 32))
      .digest(),
    total - 32,
  );
  return out;
}

export interface ParsedArtifact {
  version: number;
  meta: Record<string, unknown>;
  arrays: Map<string, ArrayValue>;
}

export function parseArtifact(bytes: Uint8Array): ParsedArtifact {
  if (bytes.length < 16 + 32 || new TextDecoder().decode(bytes.subarray(0, 8)) !== ARTIFACT_MAGIC) {
    throw new ArtifactError('not a Vigil model artifact (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (!ARTIFACT_READABLE_VERSIONS.includes(version)) throw new ArtifactError(`unsupported model artifact format version ${version} (this build reads ${ARTIFACT_READABLE_VERSIONS.join(' and ')})`);
  const digest = createHash('sha256')
    .update(bytes.subarray(0, bytes.length - 32))
    .digest();
  if (!digest.equals(bytes.subarray(bytes.length - 32))) throw new ArtifactError('model artifact is corrupt or truncated (checksum mismatch)');
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length - 32) throw new ArtifactError('model artifact header is truncated');
  let header: Record<string, unknown> & { arrays?: ArrayEntry[] };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch {
    throw new ArtifactError('model artifact header is not valid JSON');
  }
  const dataStart = align8(16 + headerLength);
  const dataEnd = bytes.length - 32;
  const arrays = new Map<string, ArrayValue>();
  for (const e of header.arrays ?? []) {
    const Type = TYPES[e.type];
    if (!Type) throw new ArtifactError(`model artifact array ${e.name} has unknown type ${e.type}`);
    const start = dataStart + e.offset;
    const byteLength = e.length * Type.BYTES_PER_ELEMENT;
    if (!Number.isInteger(start) || e.offset < 0 || start + byteLength > dataEnd) throw new ArtifactError(`model artifact array ${e.name} lies outside the file`);
    // Copy into a fresh, aligned buffer (the input may sit at any offset of a larger buffer).
    const copy = new Uint8Array(byteLength);
    copy.set(bytes.subarray(start, start + byteLength));
    arrays.set(e.name, new Type(copy.buffer));
  }
  const { arrays: _table, ...meta } = header;
  return { version, meta, arrays };
}
