/**
 * Every integrity failure of a sealed object (tampering, truncation, a wrong or unknown format) is this
 * one class, so callers can treat "this object cannot be trusted" uniformly. Errors of the key service
 * (KmsError) are not wrapped: they say something different (wrong context, disabled key, ...).
 */
export class SealedObjectError extends Error {
  override readonly name = 'SealedObjectError';
}
