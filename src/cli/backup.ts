import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type ConfigInput, loadConfig } from '../config.js';

/** What a backup holds besides the database and the blobs: the TLS pair and the credentials file (the root key only when asked). */
const SMALL_FILES = ['tls', 'credentials'];
const ROOT_KEY_FILE = join('keys', 'root.key');
/** Attempts at a snapshot whose referenced blobs were all copied (an object overwritten mid-backup can need one more). */
const MAX_ATTEMPTS = 5;

export interface BackupReport {
  directory: string;
  blobFiles: number;
  blobBytes: number;
  attempts: number;
  /** Whether keys/root.key was copied (only with withRootKey, and when the installation has a key file). */
  rootKeyIncluded: boolean;
}

/**
 * `vigil backup DIR`: a consistent copy of a data directory, taken while `vigil serve` runs on it
 * (or not). The result is itself a data directory: `vigil serve --data-dir DIR` starts on it once the
 * root key is there (copied with withRootKey, else put back from where it is kept).
 *
 * Order matters because Vigil writes a blob before the row that references it and deletes a blob
 * only after the row that referenced it is gone: blobs are copied, then the database is copied by
 * SQLite's VACUUM INTO (a single read transaction, so one point in time), then the
 * blobs written meanwhile. Blobs the snapshot's rows name (objects, multipart parts, model
 * artifacts, dataset entry lists) are then checked; one deleted before it was copied (its object
 * overwritten during the backup) makes a new snapshot. Blobs are copied, never linked, so that the
 * backup can be moved and the live directory can change.
 */
export async function backupDataDirectory(flags: ConfigInput & { config?: string }, target: string, options: { withRootKey?: boolean } = {}): Promise<BackupReport> {
  const { dataDir, databaseUrl, blobS3Endpoint } = loadConfig(flags);
  if (databaseUrl !== undefined || blobS3Endpoint !== undefined)
    throw new Error(
      'vigil backup copies the embedded engines (SQLite and the local blob directory); back up PostgreSQL with its own tools (pg_dump) and an external object store with its own (bucket replication or versioning)',
    );
  const directory = resolve(target);
  if (relative(dataDir, directory) === '' || !relative(dataDir, directory).startsWith('..')) throw new Error(`the backup directory ${directory} must be outside the data directory ${dataDir}`);
  await stat(join(dataDir, 'metadata.db')).catch(() => {
    throw new Error(`${dataDir} holds no Vigil data directory (no metadata.db)`);
  });
  const existing = await readdir(directory).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  if (existing.length > 0) throw new Error(`the backup directory ${directory} is not empty`);
  await mkdir(join(directory, 'blobs', 'objects'), { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);

  for (const name of SMALL_FILES) await copyTree(join(dataDir, name), join(directory, name));
  // Without the root key the backup is ciphertext only: whoever holds it reads nothing.
  const rootKeyIncluded = options.withRootKey === true && (await copyTree(join(dataDir, ROOT_KEY_FILE), join(directory, ROOT_KEY_FILE)));
  const copied = new Set<string>();
  const totals = { blobFiles: 0, blobBytes: 0 };
  const copyBlobs = () => copyNewFiles(join(dataDir, 'blobs', 'objects'), join(directory, 'blobs', 'objects'), copied, totals);

  await copyBlobs();
  const source = new Database(join(dataDir, 'metadata.db'), { fileMustExist: true, timeout: 10_000 });
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const snapshot = join(directory, 'metadata.db');
      // VACUUM INTO copies in one read transaction: one point in time, never restarted by the server's
      // writes (the page-stepping backup API starts over whenever another process writes between steps).
      await rm(snapshot, { force: true });
      source.prepare('VACUUM INTO ?').run(snapshot);
      await chmod(snapshot, 0o600);
      // The blobs the snapshot names first, one by one, before a walk of the whole tree: an object overwritten
      // after the snapshot loses its old blob, and this keeps that window to a few file copies.
      const named = referencedBlobs(snapshot);
      for (const key of named) if (!copied.has(key)) await copyBlob(dataDir, directory, key, copied, totals);
      await copyBlobs();
      const missing = named.filter((key) => !copied.has(key));
      if (missing.length === 0) return { directory, ...totals, attempts: attempt, rootKeyIncluded };
    }
  } finally {
    source.close();
  }
  throw new Error(`the data directory changed too fast to back up consistently in ${MAX_ATTEMPTS} attempts; try again when it is quieter, or stop the server`);
}

/** The blob keys a snapshot's rows name directly. */
function referencedBlobs(snapshot: string): string[] {
  const db = new Database(snapshot, { readonly: true, fileMustExist: true });
  try {
    const keys = db
      .prepare(
        `SELECT blob_key AS key FROM bucket_objects
         UNION ALL SELECT blob_key FROM multipart_parts
         UNION ALL SELECT artifact_blob FROM models WHERE artifact_blob IS NOT NULL
         UNION ALL SELECT entries_blob FROM datasets WHERE entries_blob IS NOT NULL`,
      )
      .pluck()
      .all() as string[];
    return keys;
  } finally {
    db.close();
  }
}

/** Copies files under `from` that are not in `done` (paths relative to `from`, as blob keys); a file removed meanwhile is skipped. */
async function copyNewFiles(from: string, to: string, done: Set<string>, totals: { blobFiles: number; blobBytes: number }, prefix = ''): Promise<void> {
  const entries = await readdir(join(from, prefix), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(error)));
  for (const entry of entries) {
    const key = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      await mkdir(join(to, key), { recursive: true, mode: 0o700 });
      await copyNewFiles(from, to, done, totals, key);
    } else if (entry.isFile() && !done.has(key)) {
      await copyFileOnce(join(from, key), join(to, key), key, done, totals);
    }
  }
}

/** Copies one blob by its key unless copied already; a blob deleted meanwhile is left out (not added to `done`). */
async function copyBlob(dataDir: string, directory: string, key: string, done: Set<string>, totals: { blobFiles: number; blobBytes: number }): Promise<void> {
  const to = join(directory, 'blobs', 'objects', key);
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  await copyFileOnce(join(dataDir, 'blobs', 'objects', key), to, key, done, totals);
}

async function copyFileOnce(from: string, to: string, key: string, done: Set<string>, totals: { blobFiles: number; blobBytes: number }): Promise<void> {
  try {
    // Blobs are renamed into place whole and never rewritten, so a file copied is the file.
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  done.add(key);
  totals.blobFiles++;
  totals.blobBytes += (await stat(to)).size;
}

/** A file or folder copied as it is (mode 0600 files, 0700 folders); false when there is nothing to copy. */
async function copyTree(from: string, to: string): Promise<boolean> {
  const info = await stat(from).catch(() => undefined);
  if (!info) return false;
  await mkdir(dirname(to), { recursive: true, mode: 0o700 });
  if (info.isDirectory()) {
    await mkdir(to, { recursive: true, mode: 0o700 });
    for (const name of await readdir(from)) await copyTree(join(from, name), join(to, name));
  } else if (info.isFile()) {
    await copyFile(from, to);
    await chmod(to, 0o600);
  }
  return true;
}
