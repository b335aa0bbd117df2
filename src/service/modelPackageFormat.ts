import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * The files of a Vigil model package (StartModelPackagingJob), read back by `vigil edge install`.
 *
 *   recipe.json        Greengrass v2 component recipe: name, version, description, tags, the archive's
 *                      URI and SHA-256 digest, and how to run it (vigil edge serve).
 *   model.vigilpkg     The artifact archive: "VIGILPKG", format byte 1, a 4-byte big-endian length, the
 *                      manifest (JSON), then a 12-byte nonce, the model artifact encrypted with AES-256-GCM
 *                      under the package key, and the 16-byte tag. The header and manifest are the
 *                      associated data, so the manifest cannot be changed without the key noticing.
 *   manifest.json      The same manifest, readable without the key: component, model, backbone id and its
 *                      weight hash, image size, false-alarm-rate target, encryption.
 *   package-key.json   The package key (256 random bits, one package only): what the device needs to open
 *                      the archive. Download it to the device only; delete it from the bucket afterwards.
 *
 * In the bucket every one of these objects is also sealed under the KMS like any object. Outside Vigil the
 * archive stays encrypted under the package key: a copy of the recipe and archive alone reveals no model.
 */

const MAGIC = Buffer.from('VIGILPKG', 'ascii');
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export const PACKAGE_FILES = { recipe: 'recipe.json', archive: 'model.vigilpkg', manifest: 'manifest.json', key: 'package-key.json' } as const;

export interface PackageManifest {
  format: 'vigil-model-package';
  formatVersion: 1;
  componentName: string;
  componentVersion: string;
  componentDescription?: string;
  /** The Lookout for Vision model the package holds. */
  modelArn: string;
  projectName: string;
  modelVersion: number;
  jobName: string;
  createdAt: string;
  /** The feature extractor the model was trained with: the device must have the same weights. */
  backbone: { id: string; weightHash: string };
  /** DetectAnomalies takes images of this size only, as on the server. */
  image: { width: number; height: number };
  /** The model's vigil:false-alarm-rate target when it was packaged (absent: its calibrated threshold). */
  falseAlarmRate?: number;
  target: { os: string; arch: string };
  /** The encrypted model artifact: its size in bytes and the encryption. */
  model: { bytes: number; encryption: 'AES-256-GCM, package key' };
}

export class PackageError extends Error {
  override readonly name = 'PackageError';
}

/** A fresh package key. */
export function newPackageKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The package key file: JSON naming the component it opens. */
export function packageKeyFile(key: Buffer, manifest: Pick<PackageManifest, 'componentName' | 'componentVersion'>): string {
  return `${JSON.stringify({ format: 'vigil-package-key', formatVersion: 1, componentName: manifest.componentName, componentVersion: manifest.componentVersion, key: key.toString('base64') }, null, 2)}\n`;
}

/** The key in a package key file; PackageError when the file is not one. */
export function parsePackageKeyFile(text: string): { key: Buffer; componentName: string; componentVersion: string } {
  let parsed: { format?: unknown; key?: unknown; componentName?: unknown; componentVersion?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PackageError('the key file is not a Vigil package key file (JSON)');
  }
  const key = typeof parsed.key === 'string' ? Buffer.from(parsed.key, 'base64') : undefined;
  if (parsed.format !== 'vigil-package-key' || !key || key.length !== KEY_BYTES) throw new PackageError('the key file is not a Vigil package key file');
  return { key, componentName: String(parsed.componentName), componentVersion: String(parsed.componentVersion) };
}

/** The archive: header and manifest in the clear (authenticated), the artifact encrypted. */
export function sealArchive(artifact: Uint8Array, manifest: PackageManifest, key: Buffer): Buffer {
  const header = archiveHeader(Buffer.from(JSON.stringify(manifest), 'utf8'));
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(artifact), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** The manifest of an archive, read without the key (not yet authenticated). */
export function archiveManifest(archive: Buffer): PackageManifest {
  return JSON.parse(splitArchive(archive).manifest.toString('utf8')) as PackageManifest;
}

/** The model artifact in an archive; PackageError when the key is not this package's or a byte changed. */
export function openArchive(archive: Buffer, key: Buffer): { manifest: PackageManifest; artifact: Buffer } {
  const { header, manifest, rest } = splitArchive(archive);
  if (rest.length < NONCE_BYTES + TAG_BYTES) throw new PackageError('the archive is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, rest.subarray(0, NONCE_BYTES));
  decipher.setAAD(header);
  decipher.setAuthTag(rest.subarray(rest.length - TAG_BYTES));
  try {
    const artifact = Buffer.concat([decipher.update(rest.subarray(NONCE_BYTES, rest.length - TAG_BYTES)), decipher.final()]);
    return { manifest: JSON.parse(manifest.toString('utf8')) as PackageManifest, artifact };
  } catch {
    throw new PackageError("the archive does not open with this package key (another package's key, or the archive was changed)");
  }
}

/** SHA-256 of bytes, as a Greengrass recipe's artifact Digest gives it (base64). */
export function recipeDigest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** Whether bytes have the digest a recipe gives. */
export function digestMatches(bytes: Buffer, digest: string): boolean {
  const actual = createHash('sha256').update(bytes).digest();
  const expected = Buffer.from(digest, 'base64');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}

function archiveHeader(manifest: Buffer): Buffer {
  const fixed = Buffer.alloc(MAGIC.length + 5);
  MAGIC.copy(fixed);
  fixed.writeUInt8(FORMAT, MAGIC.length);
  fixed.writeUInt32BE(manifest.length, MAGIC.length + 1);
  return Buffer.concat([fixed, manifest]);
}

function splitArchive(archive: Buffer): { header: Buffer; manifest: Buffer; rest: Buffer } {
  const fixed = MAGIC.length + 5;
  if (archive.length < fixed || !archive.subarray(0, MAGIC.length).equals(MAGIC)) throw new PackageError('not a Vigil model package archive');
  if (archive.readUInt8(MAGIC.length) !== FORMAT) throw new PackageError(`archive format ${archive.readUInt8(MAGIC.length)} is not supported by this Vigil`);
  const length = archive.readUInt32BE(MAGIC.length + 1);
  if (archive.length < fixed + length) throw new PackageError('the archive is truncated');
  return { header: archive.subarray(0, fixed + length), manifest: archive.subarray(fixed, fixed + length), rest: archive.subarray(fixed + length) };
}
