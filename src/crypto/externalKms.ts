import { Agent } from 'node:https';
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient, KMSServiceException, ReEncryptCommand } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EncryptionContext } from './encryptionContext.js';
import type { DecryptedDataKey, GeneratedDataKey, Kms, KmsKeyState, WrappedDataKey } from './kms.js';
import { KmsError, type KmsErrorName } from './kmsErrors.js';

export interface ExternalKmsOptions {
  /** https URL of an AWS-KMS-protocol endpoint (AWS KMS itself, another Vigil, ...). */
  endpoint: string;
  region: string;
  /** Static credentials; the AWS SDK's default credential chain when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** PEM certificate(s) to trust in addition to the system's (e.g. another Vigil's self-signed certificate). */
  ca?: Buffer;
  /** Key id, ARN, alias name or alias ARN of the key that protects data a caller names no key for. */
  defaultKeyId: string;
  /** Bounds on one try (defaults 2 s to connect, 5 s in all) and tries per call (default 2), so a dead KMS fails requests within seconds instead of holding them. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Tries per call, the first included. */
  maxAttempts?: number;
}

const DATA_KEY_BYTES = 32;

/** Errors a KMS answers that Vigil passes on under the same name. */
const PASSED_ON = new Set<KmsErrorName>([
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'ValidationException',
  'AccessDeniedException',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

/** Errors that mean the KMS did not accept Vigil's credentials or signature. */
const REFUSED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

/**
 * The Kms interface over any endpoint that speaks the AWS KMS JSON protocol, through
 * @aws-sdk/client-kms. Key management (creating, disabling, rotating, deleting keys) is done on that
 * KMS directly; Vigil only generates, unwraps and rewraps data keys there and reads key states.
 *
 * Failures are KmsError with AWS KMS names: the KMS's own answers keep their name (DisabledException,
 * KMSInvalidStateException, NotFoundException, ...); refused credentials are AccessDeniedException;
 * an unreachable or silent KMS (connection, TLS, timeout) is DependencyTimeoutException naming the
 * endpoint; a KMS that fails (5xx) is KMSInternalException. Messages never contain credentials.
 */
export class ExternalKms implements Kms {
  private constructor(
    private readonly client: KMSClient,
    readonly endpoint: string,
    /** ARN of the default key, as the KMS reported it when Vigil started. */
    readonly defaultKeyId: string,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Connects and checks the default key with DescribeKey: it must exist and be Enabled, or this
   * throws an Error saying what is wrong (unreachable, credentials refused, no such key, key state).
   */
  static async open(options: ExternalKmsOptions): Promise<ExternalKms> {
    const url = parseEndpoint(options.endpoint);
    const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    const client = new KMSClient({
      endpoint: url,
      region: options.region,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts ?? 2,
      requestHandler: new NodeHttpHandler({
        httpsAgent: new Agent({ keepAlive: true, ca: options.ca, minVersion: 'TLSv1.2' }),
        connectionTimeout: options.connectionTimeoutMs ?? 2000,
        requestTimeout: requestTimeoutMs,
        throwOnRequestTimeout: true,
      }),
    });
    const probe = new ExternalKms(client, url, '', requestTimeoutMs);
    let key: KmsKeyState;
    try {
      key = await probe.describeKey(options.defaultKeyId);
    } catch (error) {
      client.destroy();
      const message = (error as Error).message;
      const where = message.includes(url) ? '' : ` of the external KMS at ${url}`;
      throw new Error(`cannot use ${options.defaultKeyId}${where} as the default key: ${message}`);
    }
    if (key.state !== 'Enabled') {
      client.destroy();
      throw new Error(`the external KMS default key ${key.arn} at ${url} is ${key.state}; it must be Enabled`);
    }
    return new ExternalKms(client, url, key.arn, requestTimeoutMs);
  }

  async generateDataKey(keyId: string | undefined, context: EncryptionContext): Promise<GeneratedDataKey> {
    const out = await this.call((client) => client.send(new GenerateDataKeyCommand({ KeyId: keyId ?? this.defaultKeyId, KeySpec: 'AES_256', EncryptionContext: { ...context } })));
    if (!out.KeyId || !out.CiphertextBlob || out.Plaintext?.length !== DATA_KEY_BYTES) {
      out.Plaintext?.fill(0);
      throw this.malformed('GenerateDataKey');
    }
    const plaintext = Buffer.from(out.Plaintext);
    out.Plaintext.fill(0);
    return { keyId: out.KeyId, plaintext, ciphertextBlob: Buffer.from(out.CiphertextBlob) };
  }

  async decryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext): Promise<DecryptedDataKey> {
    const out = await this.call((client) => client.send(new DecryptCommand({ CiphertextBlob: ciphertextBlob, EncryptionContext: { ...context } })));
    if (!out.KeyId || out.Plaintext?.length !== DATA_KEY_BYTES) {
      out.Plaintext?.fill(0);
      throw this.malformed('Decrypt');
    }
    const plaintext = Buffer.from(out.Plaintext);
    out.Plaintext.fill(0);
    // The sealed-object layer compares this ARN with the one its header names.
    return { keyId: out.KeyId, plaintext };
  }

  /**
   * AWS KMS ReEncrypt needs a DestinationKeyId, and its ciphertexts name their key only inside the
   * KMS. With `keyId` (the ARN the sealed header names) the data key is rewrapped in one ReEncrypt
   * call without ever leaving the KMS, and the SourceKeyId the KMS reports must be that same key (a
   * header that names another key than its wrapped data key is refused, the new blob discarded).
   * Without it, a Decrypt first learns the key (its plaintext is zeroed at once), then ReEncrypt.
   */
  async reEncryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext, keyId?: string): Promise<WrappedDataKey> {
    let source = keyId;
    if (source === undefined) {
      const probe = await this.decryptDataKey(ciphertextBlob, context);
      probe.plaintext.fill(0);
      source = probe.keyId;
    }
    const out = await this.call((client) =>
      client.send(
        new ReEncryptCommand({
          CiphertextBlob: ciphertextBlob,
          SourceEncryptionContext: { ...context },
          DestinationKeyId: source,
          DestinationEncryptionContext: { ...context },
        }),
      ),
    );
    if (!out.KeyId || !out.SourceKeyId || !out.CiphertextBlob) throw this.malformed('ReEncrypt');
    if (out.SourceKeyId !== source || out.KeyId !== source) {
      throw new KmsError('IncorrectKeyException', `The data key is wrapped under ${out.SourceKeyId}, not under ${source}; it was not rewrapped.`);
    }
    return { keyId: out.KeyId, ciphertextBlob: Buffer.from(out.CiphertextBlob) };
  }

  async describeKey(keyId: string): Promise<KmsKeyState> {
    const out = await this.call((client) => client.send(new DescribeKeyCommand({ KeyId: keyId })));
    const metadata = out.KeyMetadata;
    if (!metadata?.Arn || !metadata.KeyState) throw this.malformed('DescribeKey');
    return { arn: metadata.Arn, state: metadata.KeyState };
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private async call<Output>(send: (client: KMSClient) => Promise<Output>): Promise<Output> {
    try {
      return await send(this.client);
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** An SDK or transport failure as a KmsError that names the endpoint and never a credential. */
  private translate(error: unknown): KmsError {
    if (error instanceof KmsError) return error;
    const where = `the external KMS at ${this.endpoint}`;
    if (error instanceof KMSServiceException || isServiceAnswer(error)) {
      const { name, message } = error as { name: string; message?: string };
      const text = brief(message);
      if (PASSED_ON.has(name as KmsErrorName)) return new KmsError(name as KmsErrorName, text || `${where} answered ${name}.`);
      if (REFUSED_CREDENTIALS.has(name)) return new KmsError('AccessDeniedException', `${where} refused Vigil's credentials (${name}: ${text}).`);
      if (name === 'KeyUnavailableException') return new KmsError('DependencyTimeoutException', `${where} reports the key unavailable: ${text}`);
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const fault = (error as { $fault?: string }).$fault;
      if (fault === 'server' || (status !== undefined && status >= 500)) return new KmsError('KMSInternalException', `${where} failed: ${name}: ${text}`);
      return new KmsError('ValidationException', `${where} answered ${name}: ${text}`);
    }
    const { name, code, message } = error as { name?: string; code?: string; message?: string };
    if (name === 'CredentialsProviderError') {
      return new KmsError('AccessDeniedException', `no credentials for ${where}: set VIGIL_KMS_ACCESS_KEY_ID and VIGIL_KMS_SECRET_ACCESS_KEY, or the AWS SDK's usual sources.`);
    }
    if (code !== undefined && TLS_CODES.test(code)) {
      return new KmsError('DependencyTimeoutException', `${where} failed the TLS check (${code}: ${brief(message)}); VIGIL_KMS_CA_FILE names the certificate to trust.`);
    }
    if (name === 'TimeoutError') {
      return new KmsError('DependencyTimeoutException', `${where} did not answer in time (${code ?? 'timeout'}; each try is limited to ${this.requestTimeoutMs} ms).`);
    }
    const cause = code ?? name ?? 'error';
    return new KmsError('DependencyTimeoutException', `${where} cannot be reached (${cause}: ${brief(message)}).`);
  }

  private malformed(operation: string): KmsError {
    return new KmsError('KMSInternalException', `the external KMS at ${this.endpoint} sent an incomplete ${operation} answer.`);
  }
}

/** Certificate and TLS failures as Node names them. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO/;

function isServiceAnswer(error: unknown): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' && (error as { $fault?: unknown }).$fault !== undefined;
}

function brief(message: string | undefined): string {
  const text = (message ?? '').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The endpoint as an https URL without path, query or user information. */
export function parseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`the KMS endpoint ${endpoint} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new Error(`the KMS endpoint ${url.origin} must be an https URL`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error('the KMS endpoint must be https://host[:port] with no path, query or user information');
  }
  return url.origin;
}
