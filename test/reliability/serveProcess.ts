import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The compiled CLI beside this compiled file (<outDir>/src/cli/main.js), whatever the outDir. */
export const VIGIL_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const running = new Set<ChildProcess>();

/** Kills every server a failed test left running, each by its own handle. */
export function killLeftovers(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** The environment of a child `vigil serve`: this one's, less settings that would change what it opens. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(AWS_|VIGIL_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$)/.test(name)) env[name] = value;
  return env;
}

/** A `vigil serve` child process on a data directory, with SDK clients that trust its certificate. */
export class ServeProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly endpoint: string,
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    private readonly credentials: { accessKeyId: string; secretAccessKey: string },
    private readonly agent: Agent,
    private readonly stderrText: () => string,
  ) {}

  /**
   * Starts `vigil serve --port 0 --data-dir dataDir` and resolves once it listens; rejects with its stderr if it ends first.
   * `env` adds settings (VIGIL_DATABASE_URL, VIGIL_ROLE, …) to the cleaned environment.
   */
  static async start(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
    const child = spawn(process.execPath, [VIGIL_MAIN, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
      env: { ...childEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    const endpoint = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /^Vigil is listening on (https:\/\/\S+) /.exec(line);
        if (match) resolve(match[1]);
      });
      void exited.then(({ code, signal }) => reject(new Error(`vigil serve ended (code ${code}, signal ${signal}) before listening: ${stderr}`)));
    });
    const profile = await readFile(`${dataDir}/credentials`, 'utf8');
    const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)$`, 'm').exec(profile)![1];
    const agent = new Agent({ ca: await readFile(`${dataDir}/tls/cert.pem`), keepAlive: true, maxSockets: 64 });
    return new ServeProcess(child, endpoint, exited, { accessKeyId: value('aws_access_key_id'), secretAccessKey: value('aws_secret_access_key') }, agent, () => stderr);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.stderrText();
  }

  /** An S3 client that never retries: a request either got its answer from this process or failed. */
  s3(): S3Client {
    return new S3Client({
      region: 'us-east-1',
      endpoint: this.endpoint,
      forcePathStyle: true,
      credentials: this.credentials,
      requestHandler: new NodeHttpHandler({ httpsAgent: this.agent }),
      maxAttempts: 1,
    });
  }

  lookoutVision(): LookoutVisionClient {
    return new LookoutVisionClient({
      region: 'us-east-1',
      endpoint: this.endpoint,
      credentials: this.credentials,
      requestHandler: new NodeHttpHandler({ httpsAgent: this.agent }),
      maxAttempts: 1,
    });
  }

  /** kill -9: no handler runs, nothing is flushed or closed by Vigil; resolves once the process is gone. */
  async kill9(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    this.agent.destroy();
  }

  /** A clean stop (SIGTERM), killed if it takes longer than 20 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    this.agent.destroy();
  }
}

/** A small seeded generator (mulberry32): a failing run is repeated with the seed it printed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** VIGIL_CRASH_SEED when set (to repeat a run), else a fresh one. */
export function crashSeed(): number {
  const given = process.env.VIGIL_CRASH_SEED;
  return given !== undefined && /^\d+$/.test(given) ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
