import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type RunningVigil, startVigil } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

/** The compiled `vigil` command of this build (<outDir>/src/cli/main.js), whatever the working directory or outDir. */
export const VIGIL_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface TestVigil extends RunningVigil {
  dataDir: string;
  /** An SDK client signed with the root access key and trusting the generated certificate. */
  lookoutVision(config?: { maxAttempts?: number }): LookoutVisionClient;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/** Starts a real Vigil on a free loopback port over a fresh temporary data directory. */
export async function startTestVigil(options: { dataDir?: string; env?: NodeJS.ProcessEnv; port?: number } = {}): Promise<TestVigil> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'vigil-test-')));
  // VIGIL_* settings in env (e.g. the external KMS) apply as they would to `vigil serve`.
  const config = loadConfig({ dataDir, port: options.port ?? 0, logLevel: 'silent' }, options.env ?? {});
  const vigil = await startVigil(config, options.env ?? {}).catch(async (error: unknown) => {
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return Object.assign(vigil, {
    dataDir,
    lookoutVision: (config = {}) =>
      new LookoutVisionClient({
        region: 'us-east-1',
        endpoint: vigil.endpoint,
        credentials: vigil.rootAccessKey,
        requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: vigil.tls.cert }) }),
        ...config,
      }),
    async stop() {
      await vigil.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** A per-model detection counter of the server's metrics (e.g. vigil_processed_images_total), 0 before its first count. */
export async function modelCounter(vigil: RunningVigil, name: string, projectName: string, modelVersion: string): Promise<number> {
  const metrics = await vigil.services.metrics.registry.metrics();
  return Number(new RegExp(`^${name}\\{project_name="${projectName}",model_version="${modelVersion}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
}
