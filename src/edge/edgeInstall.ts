import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { backboneInfo } from '../ml/index.js';
import { digestMatches, openArchive, PACKAGE_FILES, PackageError, type PackageManifest, parsePackageKeyFile } from '../service/modelPackageFormat.js';
import { writeComponent } from './edgeStore.js';

/** Where a package comes from: a local folder (recipe.json, model.vigilpkg) or s3://bucket/prefix/ in a Vigil. */
export interface InstallSource {
  location: string;
  /** The package key file; default: package-key.json beside the package. */
  keyFile?: string;
  /** For s3:// sources: an S3 client for the Vigil that holds the package. */
  s3?: S3Client;
}

interface Recipe {
  ComponentName?: string;
  ComponentVersion?: string;
  Manifests?: { Artifacts?: { Uri?: string; Digest?: string }[] }[];
}

/**
 * Installs a model package into the edge directory after checking it whole: the archive's digest is the
 * recipe's, its manifest names the recipe's component, the key opens it (so it is this package's key and no
 * byte changed), and the model was trained with this installation's backbone weights.
 */
export async function installPackage(edgeDir: string, source: InstallSource): Promise<PackageManifest> {
  const read = source.location.startsWith('s3://') ? s3Reader(source.location, source.s3) : localReader(source.location);
  const recipeBytes = await read(PACKAGE_FILES.recipe);
  const archive = await read(PACKAGE_FILES.archive);
  const keyBytes = source.keyFile !== undefined ? await readFile(source.keyFile) : await read(PACKAGE_FILES.key);
  let recipe: Recipe;
  try {
    recipe = JSON.parse(recipeBytes.toString('utf8')) as Recipe;
  } catch {
    throw new PackageError(`${PACKAGE_FILES.recipe} is not JSON`);
  }
  const digest = recipe.Manifests?.[0]?.Artifacts?.[0]?.Digest;
  if (typeof digest !== 'string' || !digestMatches(archive, digest)) throw new PackageError(`${PACKAGE_FILES.archive} does not have the digest its recipe gives`);
  const { key } = parsePackageKeyFile(keyBytes.toString('utf8'));
  const opened = openArchive(archive, key);
  key.fill(0);
  opened.artifact.fill(0);
  const manifest = opened.manifest;
  if (manifest.componentName !== recipe.ComponentName || manifest.componentVersion !== recipe.ComponentVersion) {
    throw new PackageError(`the archive holds ${manifest.componentName} ${manifest.componentVersion}, the recipe names ${recipe.ComponentName} ${recipe.ComponentVersion}`);
  }
  const backbone = backboneInfo();
  if (manifest.backbone.id !== backbone.id || manifest.backbone.weightHash !== backbone.weightHash) {
    throw new PackageError(
      `the model was trained with backbone ${manifest.backbone.id} (weights ${manifest.backbone.weightHash.slice(0, 12)}…); this Vigil has ${backbone.id} (weights ${backbone.weightHash.slice(0, 12)}…): install the same Vigil version as the server`,
    );
  }
  await writeComponent(edgeDir, manifest.componentName, { recipe: recipeBytes, archive, key: keyBytes });
  keyBytes.fill(0);
  return manifest;
}

function localReader(folder: string): (name: string) => Promise<Buffer> {
  return (name) =>
    readFile(join(folder, name)).catch((error: NodeJS.ErrnoException) => {
      throw new PackageError(`cannot read ${join(folder, name)}: ${error.code ?? error.message}`);
    });
}

function s3Reader(location: string, s3: S3Client | undefined): (name: string) => Promise<Buffer> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match || !s3) throw new PackageError(`${location} is not an s3://bucket/prefix/ location`);
  const [, bucket, rawPrefix] = match;
  // s3://bucket/prefix/Component/1.0.0/ or the recipe's own key.
  const prefix = rawPrefix.endsWith(PACKAGE_FILES.recipe) ? rawPrefix.slice(0, -PACKAGE_FILES.recipe.length) : rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  return async (name) => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${name}` }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      throw new PackageError(`cannot read s3://${bucket}/${prefix}${name}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  };
}
