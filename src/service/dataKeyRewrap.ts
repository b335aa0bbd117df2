import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import { KmsError } from '../crypto/kmsErrors.js';
import type { Kms } from '../crypto/kms.js';

/** What one rewrap run did, object by object. */
export interface RewrapReport {
  keyArn: string;
  /** Every stored object looked at. */
  examined: number;
  /** Objects under the key whose data key is now wrapped under the key's newest version. */
  rewrapped: number;
  /** Objects under the key sealed in format 1, whose frames are bound to the wrapped key: they stay as they are. */
  formatOne: number;
  /** Objects that could not be rewrapped (damaged, or the KMS refused); their keys, for the operator. */
  failed: string[];
}

/**
 * `vigil keys rewrap KEY`: after a key rotation, wraps the data key of every stored object under KEY
 * again under the key's newest version (KMS ReEncrypt), rewriting only the objects' headers. Runs in
 * the server, whose blob store serialises it with the writers of each object.
 */
export class DataKeyRewrap {
  constructor(
    private readonly blobs: SealedBlobStore,
    private readonly kms: Kms,
  ) {}

  async run(keyId: string): Promise<RewrapReport> {
    const key = await this.kms.describeKey(keyId);
    if (key.state !== 'Enabled') throw new KmsError(key.state === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException', `${key.arn} is ${key.state}; only an enabled key can rewrap.`);
    const report: RewrapReport = { keyArn: key.arn, examined: 0, rewrapped: 0, formatOne: 0, failed: [] };
    for await (const blobKey of this.blobs.list('')) {
      report.examined += 1;
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
