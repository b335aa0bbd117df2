import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster on loopback for the tests: its own temporary directory, a free port,
 * password (SCRAM) authentication with a generated password, fsync off (its data dies with it).
 */
export interface TestPostgres {
  /** The server's process id, for the tests that check it is gone after stop(). */
  readonly pid: number;
  /** A new empty database; returns its postgres:// URL. */
  createDatabase(): Promise<string>;
  /** Stops the server by its PID (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

/** Debian installs the server programs under /usr/lib/postgresql/<major>/bin, not on PATH; the newest is taken. */
export const POSTGRES_BIN: string | undefined = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
})();

/**
 * Why the PostgreSQL tests cannot run here, or false when they can. In CI (CI set) a missing server is
 * a failure, not a skip: the tests then run and fail on the missing programs.
 */
export const postgresSkip: string | false = POSTGRES_BIN || process.env.CI ? false : 'PostgreSQL is not installed (/usr/lib/postgresql/*/bin): apt-get install -y postgresql';

const USER = 'vigil';

export async function startPostgres(): Promise<TestPostgres> {
  if (!POSTGRES_BIN) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  const dir = await mkdtemp(join(tmpdir(), 'vigil-pg-'));
  try {
    // PostgreSQL refuses to run as root: as root (CI), the cluster belongs to and runs as the postgres user.
    const owner =
      process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : undefined;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const password = randomBytes(24).toString('base64url');
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, password, { mode: 0o600 });
    if (owner) chownSync(passwordFile, owner.uid, owner.gid);
    const data = join(dir, 'data');
    await run(join(POSTGRES_BIN, 'initdb'), ['-D', data, '-U', USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-sync'], dir, owner);
    await rm(passwordFile);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = spawn(
        join(POSTGRES_BIN, 'postgres'),
        ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], ...owner },
      );
      let log = '';
      server.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
      });
      const url = (database: string) => `postgres://${USER}:${password}@127.0.0.1:${port}/${database}`;
      if (await ready(server, url('postgres'))) return running(server, dir, url);
      await stopProcess(server);
      // Another process may have taken the port between the probe and the bind: try another one.
      if (attempt === 3 || !/could not bind|Address already in use/.test(log)) throw new Error(`PostgreSQL did not start:\n${log}`);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function running(server: ChildProcess, dir: string, url: (database: string) => string): TestPostgres {
  let databases = 0;
  return {
    pid: server.pid as number,
    async createDatabase() {
      const name = `vigil_test_${++databases}`;
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async stop() {
      await stopProcess(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the server accepts a login, or its process ends (false). */
async function ready(server: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) return false;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

/** SIGINT is PostgreSQL's fast shutdown: sessions are ended, the server exits at once. */
async function stopProcess(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  process.kill(server.pid as number, 'SIGINT');
  await exited;
}

function run(command: string, args: string[], cwd: string, owner?: { uid: number; gid: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], ...owner });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}):\n${log}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
