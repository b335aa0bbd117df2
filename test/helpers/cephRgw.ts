import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadTlsMaterial } from '../../src/server/tls.js';

const run = promisify(execFile);

/** Starts mon, OSD and radosgw (compiled, this file is <outDir>/test/helpers/cephRgw.js; the script is scripts/ in the source tree). */
const SCRIPT = fileURLToPath(new URL('../../../scripts/ceph-rgw-up.sh', import.meta.url));

/**
 * Why the Ceph RGW tests cannot run here, or false when they can. In CI (CI set) missing packages are
 * a failure, not a skip: the tests then run and fail on the missing commands.
 */
export const cephSkip: string | false =
  existsSync('/usr/bin/radosgw') || process.env.CI ? false : 'Ceph is not installed: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common';

export interface CephRgw {
  /** https://127.0.0.1:port, serving a certificate that caPath trusts. */
  endpoint: string;
  caPath: string;
  ca: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A path-style SDK client of the RGW. */
  client(): S3Client;
  /** Everything Ceph stores: every RADOS object of every pool (data, index, metadata), as exported. */
  radosData(): Promise<Buffer>;
  /** The process ids of the monitor, the OSD and the gateway (bench/cluster.ts reads their CPU time). */
  daemonPids(): Promise<number[]>;
  /** Kills the three daemons by their PIDs (nothing of a throwaway cluster needs flushing) and deletes their directory. */
  stop(): Promise<void>;
}

/** A single-node Ceph (one monitor, one RAM-backed OSD) with an RGW on a free loopback port, over TLS. */
export async function startCephRgw(): Promise<CephRgw> {
  const base = await mkdtemp(join(tmpdir(), 'vigil-ceph-'));
  const dir = join(base, 'ceph');
  const conf = join(dir, 'ceph.conf');
  const tls = await loadTlsMaterial({ dataDir: base, host: '127.0.0.1' });
  const credentials = { accessKeyId: `VIGIL${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') };
  const [rgwPort, monPort] = await freePorts(2);
  const stop = async () => {
    await stopDaemons(join(dir, 'run'));
    await rm(base, { recursive: true, force: true });
  };
  try {
    const keyPath = join(base, 'tls', 'key.pem');
    await run('bash', [SCRIPT, dir, String(rgwPort), String(monPort), tls.certPath, keyPath, credentials.accessKeyId, credentials.secretAccessKey], { timeout: 120_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoint = `https://127.0.0.1:${rgwPort}`;
  const client = () =>
    new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: tls.cert }) }),
    });
  return {
    endpoint,
    caPath: tls.certPath,
    ca: tls.cert,
    credentials,
    client,
    async radosData() {
      const pools = (await run('rados', ['-c', conf, 'lspools'])).stdout.split('\n').filter(Boolean);
      const parts: Buffer[] = [];
      for (const pool of pools) {
        const file = join(base, `export-${pools.indexOf(pool)}`);
        await run('rados', ['-c', conf, '-p', pool, 'export', file]);
        parts.push(await readFile(file));
        await rm(file);
      }
      return Buffer.concat(parts);
    },
    daemonPids: () => daemonPids(join(dir, 'run')),
    stop,
  };
}

/** The PIDs in the daemons' pid files, of those whose file name passes `which`. */
async function daemonPids(runDir: string, which: (name: string) => boolean = () => true): Promise<number[]> {
  const files = (await readdir(runDir).catch(() => [] as string[])).filter((name) => name.endsWith('.pid') && which(name));
  const pids: number[] = [];
  for (const name of files) {
    const pid = Number((await readFile(join(runDir, name), 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 1) pids.push(pid);
  }
  return pids;
}

/** Distinct free loopback ports (each held until all are found, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * SIGKILL to each daemon named by a pid file, then waits until they are gone. The cluster is throwaway
 * (a RAM-backed OSD, its directory deleted next), so nothing needs flushing; a SIGTERM would cost some
 * 17 s per cluster here: the gateway, its OSD stopping, waits out its own shutdown timeout.
 */
async function stopDaemons(runDir: string): Promise<void> {
  const pids = await daemonPids(runDir);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let waited = 0; waited < 10_000 && pids.some(alive); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
}
