import type pg from 'pg';
import { MissingBucketError, MissingUploadError, type MultipartRepository, type MultipartUploadRecord, type ObjectRecord, type PartRecord, type VersionWrite } from '../bucketRecords.js';
import { partFromRow, uploadFromRow } from '../rows.js';
import { inTransaction, type Queryable } from './database.js';
import { writeLatestVersion } from './objectRepository.js';

export class PostgresMultipartUploads implements MultipartRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(upload: MultipartUploadRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      if ((await client.query('SELECT 1 FROM buckets WHERE name = $1 FOR KEY SHARE', [upload.bucket])).rowCount === 0) throw new MissingBucketError(`no bucket ${upload.bucket}`);
      await client.query(
        `INSERT INTO multipart_uploads (upload_id, bucket, key, created_at, headers, metadata, sse_algorithm, kms_key_id, checksum_algorithm, tags, customer_key_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          upload.uploadId,
          upload.bucket,
          upload.key,
          upload.createdAt.getTime(),
          JSON.stringify(upload.headers),
          JSON.stringify(upload.metadata),
          upload.sseAlgorithm,
          upload.kmsKeyId,
          upload.checksumAlgorithm ?? null,
          JSON.stringify(upload.tags ?? {}),
          upload.customerKeyHash ?? null,
        ],
      );
    });
  }

  async get(uploadId: string): Promise<MultipartUploadRecord | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM multipart_uploads WHERE upload_id = $1', [uploadId]);
    return rows[0] && uploadFromRow(rows[0]);
  }

  async listUploads(bucket: string): Promise<MultipartUploadRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM multipart_uploads WHERE bucket = $1 ORDER BY key, created_at', [bucket]);
    return rows.map(uploadFromRow);
  }

  async putPart(part: PartRecord): Promise<{ replacedBlobKey?: string }> {
    return inTransaction(this.pool, async (client) => {
      // FOR KEY SHARE on the upload: parts of one upload are written in parallel, while a Complete or Abort
      // (FOR UPDATE) on another node waits for them, or they find the upload gone.
      if ((await client.query('SELECT 1 FROM multipart_uploads WHERE upload_id = $1 FOR KEY SHARE', [part.uploadId])).rowCount === 0) {
        throw new MissingUploadError(`no upload ${part.uploadId}`);
      }
      const values = [part.uploadId, part.partNumber, part.blobKey, part.size, part.eTag, JSON.stringify(part.checksums), part.lastModified.getTime()];
      for (;;) {
        const old = await client.query('SELECT blob_key FROM multipart_parts WHERE upload_id = $1 AND part_number = $2 FOR UPDATE', [part.uploadId, part.partNumber]);
        if (old.rows[0]) {
          await client.query('UPDATE multipart_parts SET blob_key = $3, size = $4, etag = $5, checksums = $6, last_modified = $7 WHERE upload_id = $1 AND part_number = $2', values);
          return { replacedBlobKey: old.rows[0].blob_key as string };
        }
        const inserted = await client.query(
          `INSERT INTO multipart_parts (upload_id, part_number, blob_key, size, etag, checksums, last_modified)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (upload_id, part_number) DO NOTHING`,
          values,
        );
        if (inserted.rowCount === 1) return {};
        // The same part number was uploaded concurrently: lock that row and replace it.
      }
    });
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM multipart_parts WHERE blob_key = $1', [blobKey])).rowCount ?? 0) > 0;
  }

  async listParts(uploadId: string, after: number, limit: number): Promise<PartRecord[]> {
    const { rows } = await this.pool.query('SELECT * FROM multipart_parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3', [uploadId, after, limit]);
    return rows.map(partFromRow);
  }

  async delete(uploadId: string): Promise<string[] | undefined> {
    return inTransaction(this.pool, (client) => deleteUpload(client, uploadId));
  }

  async complete(uploadId: string, object: ObjectRecord): Promise<VersionWrite> {
    return inTransaction(this.pool, async (client) => {
      // Two nodes completing (or one aborting) the same upload: the upload row lock lets one through; the
      // other then finds the upload gone.
      const partBlobKeys = await deleteUpload(client, uploadId);
      if (partBlobKeys === undefined) throw new MissingUploadError(`no upload ${uploadId}`);
      const written = await writeLatestVersion(client, object);
      return { versionId: written.versionId, obsoleteBlobKeys: [...written.obsoleteBlobKeys, ...partBlobKeys] };
    });
  }
}

async function deleteUpload(client: Queryable, uploadId: string): Promise<string[] | undefined> {
  if ((await client.query('SELECT 1 FROM multipart_uploads WHERE upload_id = $1 FOR UPDATE', [uploadId])).rowCount === 0) return undefined;
  const { rows } = await client.query('DELETE FROM multipart_parts WHERE upload_id = $1 RETURNING blob_key', [uploadId]);
  await client.query('DELETE FROM multipart_uploads WHERE upload_id = $1', [uploadId]);
  return rows.map((row) => row.blob_key as string);
}
