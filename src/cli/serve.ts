import { relative } from 'node:path';
import { startVigil } from '../app.js';
import { type ConfigInput, loadConfig } from '../config.js';
import { CONSOLE_PATH } from '../server/console/plugin.js';
import { databaseShown } from '../store/postgres/database.js';

/** `vigil serve`: runs the service until SIGINT or SIGTERM, then shuts down cleanly. */
export async function serve(flags: ConfigInput & { config?: string }): Promise<void> {
  const config = loadConfig(flags);
  // Everything Vigil writes (database, objects, keys) is for this user alone.
  process.umask(0o077);
  const vigil = await startVigil(config);
  const shown = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
  const lines = [
    `Vigil is listening on ${vigil.endpoint} (region ${config.region}, account ${vigil.accountId})`,
    `TLS certificate ${shown(vigil.tls.certPath)}${vigil.tls.generated ? ' (new)' : ''} SHA-256 ${vigil.tls.fingerprint}`,
    `Credentials ${shown(vigil.credentialsPath)} (profile vigil)`,
    `Console ${vigil.endpoint}${CONSOLE_PATH} (sign in with the access key in ${shown(vigil.credentialsPath)})`,
    `Try: AWS_SHARED_CREDENTIALS_FILE=${shown(vigil.credentialsPath)} AWS_PROFILE=vigil aws lookoutvision list-projects ` +
      `--region ${config.region} --endpoint-url ${vigil.endpoint} --ca-bundle ${shown(vigil.tls.certPath)}`,
  ];
  if (config.databaseUrl !== undefined) lines.splice(1, 0, `Metadata in PostgreSQL ${databaseShown(config.databaseUrl)}; node ${vigil.nodeId}, role ${config.role}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: finishing in-flight requests, then stopping\n`);
    vigil.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Announced only once a signal stops it cleanly: whoever reads these lines may signal right away.
  process.stdout.write(`${lines.join('\n')}\n`);
}
