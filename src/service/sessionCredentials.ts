import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { RootKey } from '../crypto/rootKey.js';
import type { AccessKeys } from './accessKeys.js';

/** Short-lived credentials, as STS GetSessionToken answers them. */
export interface SessionCredentialSet {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What a presented session token turned out to be. */
export type SessionLookup = { secretAccessKey: string; parentAccessKeyId: string } | { refused: 'invalid' | 'expired' };

/** STS GetSessionToken's bounds for an IAM user's keys: 15 minutes to 36 hours, 12 hours by default. */
export const SESSION_DURATION = { min: 900, max: 129_600, default: 43_200 } as const;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TOKEN_VERSION = 1;
/** Tokens already unsealed, kept at most: bounds memory, not correctness (a miss unseals again). */
const MAX_CACHED_TOKENS = 1024;

interface TokenContent {
  v: number;
  /** The long-term access key the session was issued to. */
  parent: string;
  secret: string;
  /** Expiration, milliseconds since the epoch. */
  exp: number;
}

/**
 * Session credentials (STS GetSessionToken): an access key id, secret and session token that work
 * until they expire. Nothing is stored on the server: the session token is the session's secret,
 * parent key and expiration sealed under the root key for that session's key id alone, so a token
 * opens only with its own key id and cannot be forged or altered. A session lasts while its parent
 * key stays active: deactivating the key ends its sessions too.
 */
export class SessionCredentials {
  /** Unsealed token contents by the token's SHA-256, so a PKCS#11 root key is not asked per request. */
  private readonly unsealed = new Map<string, TokenContent>();

  constructor(
    private readonly accessKeys: AccessKeys,
    private readonly rootKey: RootKey,
  ) {}

  /** New session credentials for an active long-term key, valid for durationSeconds from now. */
  issue(parentAccessKeyId: string, durationSeconds: number, now = new Date()): SessionCredentialSet {
    // "VSIA" as AWS's temporary keys start "ASIA": recognisable as a Vigil session key in a leak report.
    const accessKeyId = `VSIA${Array.from({ length: 16 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const expiration = new Date(now.getTime() + durationSeconds * 1000);
    const content: TokenContent = { v: TOKEN_VERSION, parent: parentAccessKeyId, secret: secretAccessKey, exp: expiration.getTime() };
    const sealed = this.rootKey.seal(Buffer.from(JSON.stringify(content), 'utf8'), tokenPurpose(accessKeyId));
    return { accessKeyId, secretAccessKey, sessionToken: sealed.toString('base64'), expiration };
  }

  /** The secret that signs requests of a session key with its token; refused when forged, altered, expired or the parent key is no longer active. */
  async lookup(accessKeyId: string, sessionToken: string, now = new Date()): Promise<SessionLookup> {
    const content = this.open(accessKeyId, sessionToken);
    if (!content) return { refused: 'invalid' };
    if (now.getTime() >= content.exp) return { refused: 'expired' };
    if ((await this.accessKeys.secretFor(content.parent)) === undefined) return { refused: 'invalid' };
    return { secretAccessKey: content.secret, parentAccessKeyId: content.parent };
  }

  private open(accessKeyId: string, sessionToken: string): TokenContent | undefined {
    if (!/^VSIA[A-Z2-7]{16}$/.test(accessKeyId) || sessionToken.length > 4096 || !/^[A-Za-z0-9+/]+={0,2}$/.test(sessionToken)) return undefined;
    const cacheKey = createHash('sha256').update(accessKeyId).update('\0').update(sessionToken).digest('base64');
    const cached = this.unsealed.get(cacheKey);
    if (cached) return cached;
    let content: TokenContent;
    try {
      content = JSON.parse(this.rootKey.unseal(Buffer.from(sessionToken, 'base64'), tokenPurpose(accessKeyId)).toString('utf8')) as TokenContent;
    } catch {
      return undefined;
    }
    if (content.v !== TOKEN_VERSION || typeof content.parent !== 'string' || typeof content.secret !== 'string' || typeof content.exp !== 'number') return undefined;
    if (this.unsealed.size >= MAX_CACHED_TOKENS) this.unsealed.clear();
    this.unsealed.set(cacheKey, content);
    return content;
  }
}

function tokenPurpose(accessKeyId: string): string {
  return `session token ${accessKeyId}`;
}
