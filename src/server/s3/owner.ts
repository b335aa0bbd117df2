import { createHash } from 'node:crypto';

/** The one owner of every bucket and object (Vigil has one account): a canonical-user-like id. */
export const OWNER = { ID: createHash('sha256').update('vigil account owner').digest('hex'), DisplayName: 'vigil' };
