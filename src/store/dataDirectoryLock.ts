import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The file whose lock says which process owns a data directory. */
const LOCK_FILE = 'vigil.lock';
/** The holder's PID, for the message a refused start gives; the lock itself decides, never this file. */
const PID_FILE = 'vigil.pid';

export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
}

export interface DataDirectoryLock {
  /** Lets another process open the directory. Idempotent. */
  release(): void;
}

/**
 * Takes the data directory for this process alone, or throws DataDirectoryInUseError naming the
 * PID that holds it. The lock is SQLite's exclusive lock on a small dedicated database (POSIX
 * advisory locks underneath): the operating system drops it when the holder exits in any way,
 * kill -9 included, so a stale lock never needs cleaning up and a recycled PID never blocks a start.
 * Two connections in one process exclude each other as well.
 */
export function lockDataDirectory(dataDir: string): DataDirectoryLock {
  const lockPath = join(dataDir, LOCK_FILE);
  // Never open the lock file any other way: closing any descriptor of it would drop this process's POSIX locks.
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // Kept in memory so no journal file is left beside the lock; the lock is held until close.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    // A write takes the EXCLUSIVE lock, which this locking mode never gives back.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') || (error as { code?: string }).code?.startsWith('SQLITE_LOCKED')) {
      const pid = readPid(dataDir);
      throw new DataDirectoryInUseError(
        `The data directory ${dataDir} is in use by another Vigil process${pid === undefined ? '' : ` (PID ${pid})`}. Stop that process first, or give this one a different data directory.`,
      );
    }
    throw error;
  }
  chmodSync(lockPath, 0o600);
  const pidPath = join(dataDir, PID_FILE);
  writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

function readPid(dataDir: string): number | undefined {
  try {
    const text = readFileSync(join(dataDir, PID_FILE), 'utf8').trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
