import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';

/** The short-lived credentials the console signs every request with; the long-term secret is never kept. */
export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO 8601. */
  expiration: string;
  /** The long-term access key id the session was issued to, shown in the header. */
  signedInAs: string;
}

/** Any region is accepted in a signature; Vigil's own region is the one in ARNs. */
export const REGION = 'us-east-1';
/** The console talks to the Vigil that served it. */
export const ENDPOINT = window.location.origin;
/** One hour, like an AWS console sign-in; GetSessionToken allows 15 minutes to 36 hours. */
export const SESSION_SECONDS = 3600;

const STORAGE_KEY = 'vigil.session';

/** Exchanges an access key id and secret for session credentials (STS GetSessionToken). The secret is used for this one request. */
export async function signIn(accessKeyId: string, secretAccessKey: string): Promise<Session> {
  const sts = new STSClient({ region: REGION, endpoint: ENDPOINT, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    const { Credentials: c } = await sts.send(new GetSessionTokenCommand({ DurationSeconds: SESSION_SECONDS }));
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('The sign-in answer holds no credentials.');
    const session: Session = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.toISOString(),
      signedInAs: accessKeyId,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    return session;
  } finally {
    sts.destroy();
  }
}

/** The stored session while it is still valid; an expired one is removed. */
export function storedSession(now = Date.now()): Session | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (!text) return undefined;
  try {
    const session = JSON.parse(text) as Session;
    if (Date.parse(session.expiration) > now) return session;
  } catch {
    // unreadable: treated as signed out
  }
  sessionStorage.removeItem(STORAGE_KEY);
  return undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Messages for a failed sign-in, by STS error code. */
export function signInError(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch') return 'The access key ID or secret access key is not valid.';
  return (error as Error).message || 'Sign-in failed.';
}
