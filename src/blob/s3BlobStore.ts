import { Agent } from 'node:https';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { assertBlobKey, BlobChangedError, BlobNotFoundError, type BlobReader, type BlobStore } from './blobStore.js';

export interface S3BlobStoreOptions {
  /** https URL of the S3 endpoint (AWS S3, Ceph RGW, MinIO, another Vigil…); buckets are addressed path-style. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Folder of the bucket that holds the objects ("a/b" puts them under "a/b/"); the whole bucket when absent. */
  prefix?: string;
  /** Static credentials; the AWS SDK's default credential chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** PEM certificate(s) to trust in addition to the system's. */
  ca?: Buffer;
  /** An object larger than this is uploaded in parts of this size (default 16 MiB; S3 needs at least 5 MiB). */
  partSize?: number;
  /** Bounds on connecting (default 5 s) and on a silent connection (default 60 s). */
  connectionTimeoutMs?: number;
  socketTimeoutMs?: number;
}

const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** A multipart upload this old is a crashed write's leftover, not one in progress on another node. */
const STALE_UPLOAD_MS = 24 * 60 * 60_000;
/** The object that names the installation owning the bucket (or prefix); no service key starts with ".". */
const INSTALLATION_MARKER = '.vigil-installation';

/**
 * Objects in a bucket of an S3-compatible store, through @aws-sdk/client-s3. It receives only sealed
 * bytes (see ./sealedBlobStore.ts): the store never sees plaintext or keys.
 *
 * What the filesystem engine gets from temp file + rename, S3 gives per request: a PUT, and the
 * completion of a multipart upload, replace an object whole, so readers see the old object or the new
 * one; a write that fails (its body fails, the store refuses a part) aborts its upload and leaves the
 * old object. Reads, existence and listings see every completed write (S3 is strongly consistent).
 * Leftover uploads of a crashed process are aborted when the store opens, once they are a day old.
 *
 * Checksums are sent only where a request needs them: the sealed frames are authenticated, so a byte
 * changed on the way is caught when the object is opened, and stores that predate S3's flexible
 * checksums keep working.
 */
export class S3BlobStore implements BlobStore {
  private readonly where: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** "" or a folder ending in "/". */
    private readonly prefix: string,
    private readonly partSize: number,
    endpoint: string,
  ) {
    this.where = `the S3 object store at ${endpoint} (bucket ${bucket})`;
  }

  /** Connects and checks that the bucket exists and the credentials may use it; a clear Error otherwise. */
  static async open(options: S3BlobStoreOptions): Promise<S3BlobStore> {
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) throw new RangeError(`part size ${partSize} is below S3's minimum of ${MIN_PART_SIZE} bytes`);
    if (options.prefix !== undefined) assertBlobKey(options.prefix);
    const client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ keepAlive: true, maxSockets: 64, ca: options.ca, minVersion: 'TLSv1.2' }),
        connectionTimeout: options.connectionTimeoutMs ?? 5000,
        requestTimeout: options.socketTimeoutMs ?? 60_000,
      }),
    });
    const store = new S3BlobStore(client, options.bucket, options.prefix === undefined ? '' : `${options.prefix}/`, partSize, options.endpoint);
    try {
      await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
    } catch (error) {
      client.destroy();
      const status = statusOf(error);
      if (status === 404) throw new Error(`${store.where}: the bucket does not exist; create it first`);
      if (status === 403 || status === 401) throw new Error(`${store.where} refused Vigil's credentials or access to the bucket`);
      throw store.translate(error, 'HeadBucket');
    }
    await store.abortStaleUploads();
    return store;
  }

  async put(key: string, body: Readable | Buffer): Promise<void> {
    const Key = this.objectKey(key);
    const parts = partsOf(Buffer.isBuffer(body) ? [body] : body, this.partSize);
    const first = await parts.next();
    if (first.done) throw new Error('no part'); // partsOf always yields one
    if (first.value.last) {
      await this.call('PutObject', () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: first.value.bytes })));
      return;
    }
    const created = await this.call('CreateMultipartUpload', () => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key })));
    const UploadId = created.UploadId;
    if (!UploadId) throw new Error(`${this.where} answered CreateMultipartUpload without an upload id`);
    try {
      const uploaded: { PartNumber: number; ETag: string | undefined }[] = [];
      const upload = async (bytes: Buffer) => {
        const PartNumber = uploaded.length + 1;
        const out = await this.call('UploadPart', () => this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: bytes })));
        uploaded.push({ PartNumber, ETag: out.ETag });
      };
      await upload(first.value.bytes);
      for await (const part of parts) await upload(part.bytes);
      await this.call('CompleteMultipartUpload', () => this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: uploaded } })));
    } catch (error) {
      await parts.return(undefined); // releases the body
      // The old object stays; the parts sent so far are dropped (a failure here leaves them to the cleanup at open).
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const Key = this.objectKey(key);
    const out = await this.call('GetObject', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })), key);
    return out.Body as Readable;
  }

  /** Ranged GETs; every read after the first names the first one's ETag (If-Match), so a replaced object is noticed. */
  async openReader(key: string): Promise<BlobReader> {
    const Key = this.objectKey(key);
    let eTag: string | undefined;
    return {
      read: async (first, last) => {
        try {
          const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${first}-${last ?? ''}`, IfMatch: eTag }));
          eTag ??= out.ETag;
          return out.Body as Readable;
        } catch (error) {
          const status = statusOf(error);
          if (status === 416) return Readable.from([]); // the object ends before first
          if (status === 412) throw new BlobChangedError(key);
          throw this.translate(error, 'GetObject', key);
        }
      },
      close: async () => undefined,
    };
  }

  async exists(key: string): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw this.translate(error, 'HeadObject');
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.call('DeleteObject', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string> {
    let ContinuationToken: string | undefined;
    do {
      const out = await this.call('ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            StartAfter: startAfter === undefined ? undefined : this.prefix + startAfter,
            ContinuationToken,
          }),
        ),
      );
      for (const { Key } of out.Contents ?? []) {
        const key = Key?.slice(this.prefix.length);
        if (key !== undefined && key !== INSTALLATION_MARKER) yield key;
      }
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /**
   * Marks the bucket (or prefix) as this installation's, or refuses one that another installation
   * uses: each would delete the other's objects as leftovers. Nodes of one installation share it.
   */
  async claim(installation: string): Promise<void> {
    const Key = this.prefix + INSTALLATION_MARKER;
    let owner: string | undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      owner = (await out.Body?.transformToString())?.trim();
    } catch (error) {
      if (statusOf(error) !== 404) throw this.translate(error, 'GetObject');
    }
    if (owner === undefined) {
      await this.call('PutObject', () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: `${installation}\n` })));
    } else if (owner !== installation) {
      throw new Error(
        `${this.where}${this.prefix ? ` under ${this.prefix}` : ''} holds the objects of another Vigil installation (${owner}, this is ${installation}); give each installation its own bucket or VIGIL_BLOB_S3_PREFIX`,
      );
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private async abortStaleUploads(): Promise<void> {
    try {
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      do {
        const out = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix, KeyMarker, UploadIdMarker }));
        for (const upload of out.Uploads ?? []) {
          if (upload.Key && upload.UploadId && upload.Initiated && Date.now() - upload.Initiated.getTime() > STALE_UPLOAD_MS) {
            await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          }
        }
        [KeyMarker, UploadIdMarker] = out.IsTruncated ? [out.NextKeyMarker, out.NextUploadIdMarker] : [undefined, undefined];
      } while (KeyMarker);
    } catch {
      // Housekeeping only: a store without ListMultipartUploads keeps the leftovers, which cost space, not data.
    }
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }

  /** One request; a missing object is BlobNotFoundError when blobKey is given. */
  private async call<Output>(operation: string, send: () => Promise<Output>, blobKey?: string): Promise<Output> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(error, operation, blobKey);
    }
  }

  /** An SDK or transport failure as an Error that names the store and the operation, never a credential. */
  private translate(error: unknown, operation: string, blobKey?: string): Error {
    if (blobKey !== undefined && statusOf(error) === 404) return new BlobNotFoundError(blobKey);
    const { name, code, message } = error as { name?: string; code?: string; message?: string };
    const what = name && name !== 'Error' ? name : (code ?? 'Error');
    return new Error(`${this.where}: ${operation} failed: ${what}: ${(message ?? '').slice(0, 300)}`, { cause: error });
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * The body cut into parts of partSize bytes, each marked whether it is the last; a part is handed out
 * only once a byte after it has arrived, so the last is known without reading a whole part ahead. An
 * empty body is one empty last part.
 */
async function* partsOf(body: AsyncIterable<Buffer> | Buffer[], partSize: number): AsyncGenerator<{ bytes: Buffer; last: boolean }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes > partSize) {
      const all = Buffer.concat(pending);
      yield { bytes: all.subarray(0, partSize), last: false };
      pending = [all.subarray(partSize)];
      pendingBytes = all.length - partSize;
    }
  }
  yield { bytes: Buffer.concat(pending), last: true };
}
