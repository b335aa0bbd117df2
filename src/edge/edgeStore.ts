import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveManifest, PACKAGE_FILES, type PackageManifest } from '../service/modelPackageFormat.js';

/**
 * The edge agent's installation directory (default ./.vigil-edge, mode 0700):
 *   components/<ComponentName>/recipe.json        the component's recipe
 *   components/<ComponentName>/model.vigilpkg     the archive, still encrypted under the package key
 *   components/<ComponentName>/package-key.json   the package key (mode 0600)
 * The model is decrypted in memory only, when StartModel loads it.
 */
export interface InstalledComponent {
  name: string;
  manifest: PackageManifest;
  dir: string;
}

export const DEFAULT_EDGE_DIR = '.vigil-edge';

const COMPONENT_NAME = /^[a-zA-Z0-9\-_.]{1,128}$/;

export function componentsDir(edgeDir: string): string {
  return join(edgeDir, 'components');
}

/** Writes a component's files (replacing an installed version): into a fresh folder, then renamed into place. */
export async function writeComponent(edgeDir: string, name: string, files: { recipe: Buffer; archive: Buffer; key: Buffer }): Promise<string> {
  if (!COMPONENT_NAME.test(name)) throw new Error(`component name ${name} is not a Greengrass component name`);
  await mkdir(edgeDir, { recursive: true, mode: 0o700 });
  await chmod(edgeDir, 0o700);
  const root = componentsDir(edgeDir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const staging = join(root, `.${name}.installing-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  await writeFile(join(staging, PACKAGE_FILES.recipe), files.recipe, { mode: 0o600 });
  await writeFile(join(staging, PACKAGE_FILES.archive), files.archive, { mode: 0o600 });
  await writeFile(join(staging, PACKAGE_FILES.key), files.key, { mode: 0o600 });
  const target = join(root, name);
  const previous = join(root, `.${name}.previous-${process.pid}`);
  await rm(previous, { recursive: true, force: true });
  await rename(target, previous).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging, target);
  await rm(previous, { recursive: true, force: true });
  return target;
}

/** The installed components, by name. */
export async function installedComponents(edgeDir: string): Promise<InstalledComponent[]> {
  const root = componentsDir(edgeDir);
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const components: InstalledComponent[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(root, entry.name);
    const manifest = archiveManifest(await readFile(join(dir, PACKAGE_FILES.archive)));
    components.push({ name: entry.name, manifest, dir });
  }
  return components.sort((a, b) => a.name.localeCompare(b.name));
}
