import type Database from 'better-sqlite3';
import { MissingBucketError, MissingUploadError, type MultipartRepository, type MultipartUploadRecord, type ObjectRecord, type PartRecord, type VersionWrite } from '../bucketRecords.js';
import { partFromRow, type Row, uploadFromRow } from '../rows.js';
import { writeLatestVersion } from './objectRepository.js';

export class SqliteMultipartUploads implements MultipartRepository {
  constructor(private readonly db: Database.Database) {}

  async create(upload: MultipartUploadRecord): Promise<void> {
    this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM buckets WHERE name = ?').get(upload.bucket)) throw new MissingBucketError(`no bucket ${upload.bucket}`);
        this.db
          .prepare(
            `INSERT INTO multipart_uploads (upload_id, bucket, key, created_at, headers, metadata, sse_algorithm, kms_key_id, checksum_algorithm, tags, customer_key_hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
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
          );
      })
      .immediate();
  }

  async get(uploadId: string): Promise<MultipartUploadRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM multipart_uploads WHERE upload_id = ?').get(uploadId) as Row | undefined;
    return row && uploadFromRow(row);
  }

  async listUploads(bucket: string): Promise<MultipartUploadRecord[]> {
    return (this.db.prepare('SELECT * FROM multipart_uploads WHERE bucket = ? ORDER BY key, created_at').all(bucket) as Row[]).map(uploadFromRow);
  }

  async putPart(part: PartRecord): Promise<{ replacedBlobKey?: string }> {
    return this.db
      .transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM multipart_uploads WHERE upload_id = ?').get(part.uploadId)) {
          throw new MissingUploadError(`no upload ${part.uploadId}`);
        }
        const old = this.db.prepare('SELECT blob_key FROM multipart_parts WHERE upload_id = ? AND part_number = ?').get(part.uploadId, part.partNumber) as Row | undefined;
        this.db
          .prepare(
            `INSERT OR REPLACE INTO multipart_parts (upload_id, part_number, blob_key, size, etag, checksums, last_modified)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(part.uploadId, part.partNumber, part.blobKey, part.size, part.eTag, JSON.stringify(part.checksums), part.lastModified.getTime());
        return { replacedBlobKey: old?.blob_key as string | undefined };
      })
      .immediate();
  }

  async referencesBlob(blobKey: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM multipart_parts WHERE blob_key = ?').get(blobKey) !== undefined;
  }

  async listParts(uploadId: string, after: number, limit: number): Promise<PartRecord[]> {
    const rows = this.db.prepare('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?').all(uploadId, after, limit) as Row[];
    return rows.map(partFromRow);
  }

  async delete(uploadId: string): Promise<string[] | undefined> {
    return this.db.transaction(() => deleteUpload(this.db, uploadId)).immediate();
  }

  async complete(uploadId: string, object: ObjectRecord): Promise<VersionWrite> {
    return this.db
      .transaction(() => {
        const partBlobKeys = deleteUpload(this.db, uploadId);
        if (partBlobKeys === undefined) throw new MissingUploadError(`no upload ${uploadId}`);
        const written = writeLatestVersion(this.db, object);
        return { versionId: written.versionId, obsoleteBlobKeys: [...written.obsoleteBlobKeys, ...partBlobKeys] };
      })
      .immediate();
  }
}

function deleteUpload(db: Database.Database, uploadId: string): string[] | undefined {
  if (!db.prepare('SELECT 1 FROM multipart_uploads WHERE upload_id = ?').get(uploadId)) return undefined;
  const rows = db.prepare('DELETE FROM multipart_parts WHERE upload_id = ? RETURNING blob_key').all(uploadId) as Row[];
  db.prepare('DELETE FROM multipart_uploads WHERE upload_id = ?').run(uploadId);
  return rows.map((row) => row.blob_key as string);
}
