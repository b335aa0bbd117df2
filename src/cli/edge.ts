import { type ConfigInput, loadConfig } from '../config.js';
import { DEFAULT_SOCKET, startEdgeAgent } from '../edge/edgeAgent.js';
import { installPackage } from '../edge/edgeInstall.js';
import { EdgeModels, statusName } from '../edge/edgeModels.js';
import { DEFAULT_EDGE_DIR } from '../edge/edgeStore.js';
import type { PackageManifest } from '../service/modelPackageFormat.js';
import { apiClients } from './apiClients.js';

/** The edge directory: --dir, else VIGIL_EDGE_DIR, else ./.vigil-edge. */
export function edgeDir(dir: string | undefined): string {
  return dir ?? process.env.VIGIL_EDGE_DIR ?? DEFAULT_EDGE_DIR;
}

/**
 * `vigil edge install SOURCE`: a package folder, or s3://bucket/prefix/Component/Version/ in a Vigil (reached as
 * `vigil import` reaches it: --endpoint, --ca-bundle, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or <data>/credentials).
 */
export async function edgeInstall(
  flags: ConfigInput & { config?: string },
  source: string,
  options: { dir?: string; keyFile?: string; endpoint?: string; caBundle?: string },
): Promise<PackageManifest> {
  if (!source.startsWith('s3://')) return installPackage(edgeDir(options.dir), { location: source, keyFile: options.keyFile });
  const clients = await apiClients(loadConfig(flags), { endpoint: options.endpoint, caBundle: options.caBundle });
  try {
    return await installPackage(edgeDir(options.dir), { location: source, keyFile: options.keyFile, s3: clients.s3 });
  } finally {
    clients.destroy();
  }
}

/** `vigil edge serve`: the Edge Agent API on a Unix socket until SIGINT or SIGTERM. */
export async function edgeServe(options: { dir?: string; socket?: string; groupAccess?: boolean; startAll?: boolean }): Promise<void> {
  const models = await EdgeModels.open(edgeDir(options.dir));
  const agent = await startEdgeAgent(models, { socketPath: options.socket ?? DEFAULT_SOCKET, socketMode: options.groupAccess ? 0o660 : 0o600 });
  const installed = models.list();
  process.stdout.write(`Vigil edge agent listening on unix://${agent.socketPath} (${installed.length} model${installed.length === 1 ? '' : 's'} installed)\n`);
  if (options.startAll) {
    for (const model of installed) models.start(model.model_component);
    for (const model of installed) {
      const status = await models.started(model.model_component);
      process.stdout.write(`${model.model_component}: ${statusName(status)}${status === 3 ? ` (${models.describe(model.model_component).status_message})` : ''}\n`);
    }
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await agent.close();
}
