// @peculiar/x509 needs the Reflect metadata API; it must load first.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../util/atomicFile.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  certPath: string;
  /** SHA-256 fingerprint, colon-separated hex, as browsers and openssl show it. */
  fingerprint: string;
  /** True when this start generated a new self-signed certificate. */
  generated: boolean;
}

/** Validity of a generated certificate: the most browsers accept (397 days). */
const VALIDITY_DAYS = 397;
/** A generated certificate is renewed this long before it expires. */
const RENEW_DAYS = 30;

/**
 * The server's certificate and key: the operator's files when given, else a self-signed EC P-256
 * certificate in `<data>/tls`, made at first start and renewed when it nears expiry or does not
 * name the configured host.
 */
export async function loadTlsMaterial(options: { dataDir: string; host: string; tlsCert?: string; tlsKey?: string }): Promise<TlsMaterial> {
  if (options.tlsCert && options.tlsKey) {
    const [cert, key] = await Promise.all([readFile(options.tlsCert, 'utf8'), readFile(options.tlsKey, 'utf8')]);
    return { cert, key, certPath: options.tlsCert, fingerprint: new X509Certificate(cert).fingerprint256, generated: false };
  }
  const dir = join(options.dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const existing = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(() => undefined);
  if (existing && stillGood(existing[0], options.host)) {
    return { cert: existing[0], key: existing[1], certPath, fingerprint: new X509Certificate(existing[0]).fingerprint256, generated: false };
  }
  const { cert, key } = await generateSelfSigned(options.host);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(keyPath, key, 0o600);
  await writeFileAtomic(certPath, cert, 0o644);
  return { cert, key, certPath, fingerprint: new X509Certificate(cert).fingerprint256, generated: true };
}

function stillGood(pem: string, host: string): boolean {
  try {
    const cert = new X509Certificate(pem);
    const renewAt = new Date(cert.validTo).getTime() - RENEW_DAYS * 86_400_000;
    const coversHost = isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
    return Date.now() < renewAt && (coversHost || host === '0.0.0.0' || host === '::');
  } catch {
    return false;
  }
}

async function generateSelfSigned(host: string): Promise<{ cert: string; key: string }> {
  const names: { type: 'dns' | 'ip'; value: string }[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  if (!names.some((name) => name.value === host) && host !== '0.0.0.0' && host !== '::') {
    names.push({ type: isIP(host) ? 'ip' : 'dns', value: host });
  }
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  // Backdated a minute for clocks slightly behind; the whole validity stays VALIDITY_DAYS.
  const notBefore = Date.now() - 60_000;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=Vigil self-signed',
      notBefore: new Date(notBefore),
      notAfter: new Date(notBefore + VALIDITY_DAYS * 86_400_000),
      signingAlgorithm: algorithm,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}
