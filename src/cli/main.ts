#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config.js';
import { serve } from './serve.js';
import { evalCommand } from './eval.js';

const program = new Command('vigil').description('Self-hosted visual anomaly detection, wire-compatible with Amazon Lookout for Vision');

const port = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return Number(value);
};

program
  .command('serve')
  .description('run the HTTPS service (Lookout for Vision API) on the embedded defaults')
  .option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--host <host>', 'address to listen on (env VIGIL_HOST, default 127.0.0.1)')
  .option('--port <port>', 'HTTPS port, 0 for any free port (env VIGIL_PORT, default 8443)', port)
  .option('--region <region>', 'region of ARNs and examples (env VIGIL_REGION, default us-east-1)')
  .option('--tls-cert <file>', 'PEM certificate to serve instead of the generated one (env VIGIL_TLS_CERT)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert (env VIGIL_TLS_KEY)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env VIGIL_LOG_LEVEL, default info)')
  .option('--config <file>', 'JSON file with any of the settings above (env VIGIL_CONFIG)')
  .action(async (options: Record<string, string | number | undefined>) => {
    await serve({
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      region: options.region,
      tlsCert: options.tlsCert,
      tlsKey: options.tlsKey,
      logLevel: options.logLevel,
      config: options.config as string | undefined,
    });
  });

program
  .command('eval')
  .description('train on labeled images and report how well anomalies are detected (image/pixel AUROC, F1, timings)')
  .requiredOption('--train <dir>', 'folder with normal/, anomaly/ and optional masks/ (one PNG per anomalous image)')
  .option('--test <dir>', 'held-out folder of the same layout (default: a seeded split of --train)')
  .option('--json', 'print one JSON object on stdout')
  .option('--seed <n>', 'split and training seed', Number)
  .option('--split <fraction>', 'without --test: fraction of normals to train on (default 0.5)', Number)
  .option('--train-anomalies <fraction>', 'without --test: fraction of anomalies to train on (default 0)', Number)
  .option('--resolution <pixels>', 'longer side of the working resolution (default: from the image size)', Number)
  .option('--augment', 'add flipped and 90°-rotated normals (parts seen in any orientation)')
  .option('--no-anomalies', 'ignore labeled anomalies for scoring (pure PatchCore)')
  .option('--threads <n>', 'training threads (default 2; detection always uses 1)', Number)
  .option('--coreset-ratio <fraction>', 'memory bank size as a fraction of the patches (default 0.1)', Number)
  .option('--max-bank <n>', 'memory bank size bound (default 16384)', Number)
  .action(async (o: Record<string, unknown>) => {
    await evalCommand({ ...(o as { train: string }), useAnomalies: o.anomalies !== false } as Parameters<typeof evalCommand>[0]);
  });

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration: ${error.message}` : (error as Error).message;
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(1);
});
