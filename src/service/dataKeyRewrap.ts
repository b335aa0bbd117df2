import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { Kms } from '../crypto/kms.js';
import { KmsError } from '../crypto/kmsErrors.js';

/** What one rewrap batch did, object by object. */
export interface RewrapReport {
  keyArn: string;
  /** Stored objects looked at in this batch. */
  examined: number;
  /** Objects under the key whose data key is now wrapped under the key's newest version. */
  rewrapped: number;
  /** Objects under the key sealed in format 1, whose frames are bound to the wrapped key: they stay as they are. */
  formatOne: number;
  /** Objects that could not be rewrapped (damaged, or the KMS refused); their keys, for the operator. */
  failed: string[];
  /** The last object of this batch when more objects follow: the next batch starts after it. */
  nextStartAfter?: string;
}

export interface RewrapBatch {
  /** Start after this stored object (in key order); from the beginning when absent. */
  startAfter?: string;
  /** Objects to look at in this batch. */
  maxObjects: number;
}

/**
 * `vigil keys rewrap KEY`: after a key rotation, wraps the data key of every stored object under KEY
 * again under the key's newest version (KMS ReEncrypt), rewriting only the objects' headers. Runs in
 * the server, whose blob store serialises it with the writers of each object, in batches of objects
 * taken in key order, so a large store is done in bounded requests that report progress and resume.
 */
export class DataKeyRewrap {
  constructor(
    private readonly blobs: SealedBlobStore,
    private readonly kms: Kms,
  ) {}

  async run(keyId: string, batch: RewrapBatch): Promise<RewrapReport> {
    const key = await this.kms.describeKey(keyId);
    if (key.state !== 'Enabled') throw new KmsError(key.state === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException', `${key.arn} is ${key.state}; only an enabled key can rewrap.`);
    const report: RewrapReport = { keyArn: key.arn, examined: 0, rewrapped: 0, formatOne: 0, failed: [] };
    let last: string | undefined;
    for await (const blobKey of this.blobs.list('', batch.startAfter)) {
      if (report.examined === batch.maxObjects) {
        report.nextStartAfter = last;
        break;
      }
      report.examined += 1;
      last = blobKey;
      try {
        const outcome = await this.blobs.rewrap(blobKey, key.arn);
        if (outcome === 'rewrapped') report.rewrapped += 1;
        else if (outcome === 'format-1') report.formatOne += 1;
      } catch {
        report.failed.push(blobKey);
      }
    }
    return report;
  }
}
