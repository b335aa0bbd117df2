import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the console is served; "_" cannot start a bucket name, so no S3 path is taken. */
export const CONSOLE_PATH = '/_vigil/';
/** The console's built files (`npm run build` writes them with Vite): dist/console beside dist/src. */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

/**
 * Everything the console loads comes from this origin; nothing runs inline, nothing is framed.
 * Images may be blob: URLs (objects the console read through the S3 API) or data: URLs, as fonts may
 * (Cloudscape's stylesheet embeds its fonts and icons): all of them part of the built files.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};
/** Worth compressing: text; fonts and images are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

interface Asset {
  body: Buffer;
  gzipped?: Buffer;
  type: string;
  etag: string;
  /** Vite names files under assets/ by their content hash: they never change, so they are cached for good. */
  immutable: boolean;
}

/** Reads the built console into memory once; only these exact paths are ever answered (no file-system lookups per request). */
export function loadConsoleAssets(dir = CONSOLE_BUILD_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return assets;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const name = relative(dir, path).split(sep).join('/');
        const extension = extname(name).toLowerCase();
        const type = TYPES[extension];
        if (!type) continue; // source maps and anything unexpected stay unserved
        const body = readFileSync(path);
        const asset: Asset = { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, immutable: name.startsWith('assets/') };
        if (COMPRESSIBLE.has(extension) && body.length > 1024) asset.gzipped = gzipSync(body, { level: 9 });
        assets.set(name, asset);
      }
    }
  };
  walk(dir);
  return assets;
}

/**
 * The web console: a static single-page app under /_vigil/, the same files for everyone (they hold
 * no data; the console reads everything through the signed APIs), so these routes alone are public.
 * Every method on every path under /_vigil/ that no other Vigil endpoint owns ends here, so none
 * ever reaches the S3 API as a bucket.
 */
export async function consoleAssets(app: FastifyInstance, options: { dir?: string } = {}): Promise<void> {
  const assets = loadConsoleAssets(options.dir);
  const methods = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
  const notAllowed = (reply: FastifyReply) => reply.code(405).header('allow', 'GET, HEAD').header('content-type', 'text/plain; charset=utf-8').send('Method Not Allowed\n');
  // Every method ends here (nothing under the console's path may reach S3); only GET and HEAD are answered.
  const route = {
    method: methods,
    exposeHeadRoute: false,
    // Nothing is uploaded here: a body is refused before it is read far.
    bodyLimit: 1024,
    config: { auth: 'public' as const },
    preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
      secured(reply);
      if (request.method !== 'GET' && request.method !== 'HEAD') return notAllowed(reply);
    },
  };
  app.route({ ...route, url: CONSOLE_PATH.slice(0, -1), handler: async (_request, reply) => reply.code(301).header('location', CONSOLE_PATH).send() });
  app.route({
    ...route,
    url: `${CONSOLE_PATH}*`,
    handler: async (request, reply) => {
      const name = (request.raw.url ?? '').split('?')[0].slice(CONSOLE_PATH.length) || 'index.html';
      if (assets.size === 0) {
        return reply.code(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send('The console is not built: run `npm run build`.\n');
      }
      const asset = assets.get(name);
      if (!asset) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not Found\n');
      return sendAsset(request, reply, asset);
    },
  });
}

function secured(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    // index.html names the hashed files of the current build: always revalidated.
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const gzip = asset.gzipped !== undefined && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  const body = gzip ? asset.gzipped! : asset.body;
  if (gzip) reply.header('content-encoding', 'gzip');
  reply.header('content-length', String(body.length));
  return reply.code(200).send(request.method === 'HEAD' ? undefined : body);
}
