import { KMSClient } from '@aws-sdk/client-kms';
import { LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { S3Client } from '@aws-sdk/client-s3';
import { ENDPOINT, REGION, type Session } from './session';

/** The SDK clients the console works through: the same signed public APIs the CLI uses. */
export interface Clients {
  lookoutVision: LookoutVisionClient;
  s3: S3Client;
  kms: KMSClient;
}

export function clientsFor(session: Session): Clients {
  const credentials = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken, expiration: new Date(session.expiration) };
  return {
    lookoutVision: new LookoutVisionClient({ region: REGION, endpoint: ENDPOINT, credentials, maxAttempts: 2 }),
    // Vigil addresses buckets path-style on its own host name.
    s3: new S3Client({ region: REGION, endpoint: ENDPOINT, credentials, forcePathStyle: true, maxAttempts: 2 }),
    kms: new KMSClient({ region: REGION, endpoint: ENDPOINT, credentials, maxAttempts: 2 }),
  };
}

/** An SDK error as one line for an alert. */
export function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string };
  if (e.name === 'UnrecognizedClientException' || e.name === 'InvalidClientTokenId' || e.name === 'ExpiredToken') return 'Your session is no longer valid. Sign in again.';
  return e.message ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(error);
}
