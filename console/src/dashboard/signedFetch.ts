import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Clients } from '../clients';
import { ENDPOINT, REGION } from '../session';

/**
 * A GET of one of Vigil's own endpoints (e.g. /_vigil/metrics), SigV4-signed with the session's credentials
 * as the Lookout for Vision service, as the SDK signs its calls.
 */
export async function signedGet(clients: Clients, path: string): Promise<string> {
  const config = clients.lookoutVision.config;
  const signer = new SignatureV4({ service: 'lookoutvision', region: REGION, credentials: config.credentials, sha256: config.sha256 });
  const url = new URL(path, ENDPOINT);
  const request = new HttpRequest({ method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, headers: { host: url.host } });
  const signed = await signer.sign(request);
  // The browser sets Host itself, to the same value.
  const { host: _host, ...headers } = signed.headers;
  const answer = await fetch(url, { headers, credentials: 'omit', cache: 'no-store' });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`${answer.status} ${answer.statusText}: ${text.slice(0, 200)}`);
  return text;
}
