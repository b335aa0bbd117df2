#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config.js';
import { serve } from './serve.js';

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

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration: ${error.message}` : (error as Error).message;
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(1);
});
