import assert from 'node:assert/strict';

/**
 * Asserts that an SDK call fails with the error `name`; `detail` is a pattern its message must match, or the
 * HTTP status it must carry.
 */
export function rejects(promise: Promise<unknown>, name: string, detail?: RegExp | number): Promise<void> {
  return assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name, error.message);
    if (detail instanceof RegExp) assert.match(error.message, detail);
    else if (detail !== undefined) assert.equal(error.$metadata?.httpStatusCode, detail);
    return true;
  });
}
