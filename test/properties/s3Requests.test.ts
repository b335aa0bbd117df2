import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TObject } from '@sinclair/typebox';
import fc from 'fast-check';
import type { XmlBody } from '../../src/server/s3/bodies.js';
import { DeleteObjectsBody } from '../../src/server/s3/deleteObjects.js';
import { parseRange } from '../../src/server/s3/getObject.js';
import { CompleteMultipartUploadBody } from '../../src/server/s3/multipartUpload.js';
import { parseXmlBody, xmlDocument } from '../../src/server/s3/xml.js';
import { BucketError } from '../../src/service/bucketErrors.js';

/** The document as its operation's declaration reads it, or undefined when it threw, which must be a BucketError MalformedXML. */
function parsedOrMalformed<T extends TObject>(text: string | Buffer, body: XmlBody<T>): ReturnType<XmlBody<T>['read']> | undefined {
  try {
    return body.read(parseXmlBody(Buffer.isBuffer(text) ? text : Buffer.from(text), body.root));
  } catch (error) {
    assert.ok(error instanceof BucketError, `only BucketError: ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.equal(error.code, 'MalformedXML');
    return undefined;
  }
}

// Characters XML 1.0 can carry (no other C0 controls, no lone surrogates), as S3 keys in a request document.
const xmlChar = fc.oneof({ weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) }, fc.constantFrom('<', '>', '&', '"', "'", ' ', '\t', '/', ']]>', '&amp;', '%'));
const key = fc.string({ unit: xmlChar, minLength: 1, maxLength: 40 });

test('DeleteObjects: any keys and version ids written as S3 clients write them are read back exactly', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(key, fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{1,32}$/))), { minLength: 1, maxLength: 20 }), fc.boolean(), (objects, quiet) => {
      const document = xmlDocument('Delete', { Object: objects.map(([Key, VersionId]) => ({ Key, VersionId: VersionId ?? undefined })), Quiet: quiet });
      const parsed = parsedOrMalformed(document, DeleteObjectsBody);
      assert.ok(parsed, document);
      const read = parsed.Object.map((object) => [object.Key, object.VersionId ?? null]);
      assert.deepEqual(read, objects);
      assert.equal(parsed.Quiet, String(quiet));
    }),
    { numRuns: 300 },
  );
});

test('CompleteMultipartUpload: part numbers, ETags and checksums are read back exactly', () => {
  const part = fc.record({
    PartNumber: fc.integer({ min: 1, max: 10_000 }),
    ETag: fc.stringMatching(/^"[0-9a-f]{32}"$/),
    ChecksumCRC32: fc.option(fc.base64String({ minLength: 8, maxLength: 8 }), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 30 }), (parts) => {
      const parsed = parsedOrMalformed(xmlDocument('CompleteMultipartUpload', { Part: parts }), CompleteMultipartUploadBody);
      assert.ok(parsed);
      const read = parsed.Part.map((p) => ({ PartNumber: Number(p.PartNumber), ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 }));
      assert.deepEqual(
        read,
        parts.map((p) => ({ ...p })),
      );
    }),
    { numRuns: 200 },
  );
});

test('any request body is a document or MalformedXML, never another error', () => {
  const fragment = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      '<Delete>',
      '</Delete>',
      '<Object>',
      '</Object>',
      '<Key>',
      '</Key>',
      '<?xml version="1.0"?>',
      '<!DOCTYPE Delete [<!ENTITY e "x">]>',
      '&e;',
      '&#0;',
      '&#xFFFF;',
      '<![CDATA[',
      ']]>',
      '<__proto__>',
      '</__proto__>',
      '<constructor/>',
      'xmlns="a"',
      '<a:Key>',
    ),
  );
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 20 }), (parts) => {
      // A document that passes its declaration has the declared types, which is all the handlers read.
      const deleted = parsedOrMalformed(parts.join(''), DeleteObjectsBody);
      for (const object of deleted?.Object ?? []) assert.ok(typeof object.Key === 'string' && (object.VersionId === undefined || typeof object.VersionId === 'string'));
      const completed = parsedOrMalformed(parts.join(''), CompleteMultipartUploadBody);
      for (const part of completed?.Part ?? []) assert.ok(/^\d{1,5}$/.test(part.PartNumber) && part.ETag.length > 0);
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      parsedOrMalformed(Buffer.from(bytes), DeleteObjectsBody);
    }),
    { numRuns: 300 },
  );
});

test('hostile request documents (deep nesting, entity expansion, megabytes of elements) are answered in bounded time', () => {
  const cases: [string, string][] = [
    ['deep nesting', `<Delete>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</Delete>`],
    ['unclosed nesting', `<Delete>${'<a>'.repeat(100_000)}`],
    ['entity expansion', `<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY a "${'x'.repeat(1000)}">]><Delete>${'<Object><Key>&a;</Key></Object>'.repeat(1000)}</Delete>`],
    [
      'nested entities',
      `<?xml version="1.0"?><!DOCTYPE Delete [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Delete><Object><Key>&c;</Key></Object></Delete>`,
    ],
    ['many elements', `<Delete>${'<Object><Key>k</Key></Object>'.repeat(30_000)}</Delete>`],
    ['long text', `<Delete><Object><Key>${'k'.repeat(1_000_000)}</Key></Object></Delete>`],
  ];
  for (const [name, text] of cases) {
    const started = performance.now();
    const parsed = parsedOrMalformed(text, DeleteObjectsBody);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 3000, `${name}: ${Math.round(elapsed)} ms`);
    if (name === 'nested entities' && parsed) {
      // Entities are not expanded recursively: no billion laughs.
      assert.ok(parsed.Object[0].Key.length < 10_000);
    }
  }
});

test('Range: any header is a single range, a suffix or ignored (the whole object), never an error', () => {
  const header = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc
      .tuple(fc.option(fc.bigInt({ min: 0n, max: 10n ** 30n })), fc.option(fc.bigInt({ min: 0n, max: 10n ** 30n })), fc.constantFrom('bytes=', 'bytes = ', 'items=', ' bytes='))
      .map(([a, b, unit]) => `${unit}${a ?? ''}-${b ?? ''}`),
  );
  fc.assert(
    fc.property(header, (text) => {
      const range = parseRange(text);
      if (range === undefined) return;
      if ('suffixLength' in range) assert.ok(Number.isFinite(range.suffixLength) && range.suffixLength >= 0);
      else {
        assert.ok(Number.isFinite(range.first) && range.first >= 0);
        if (range.last !== undefined) assert.ok(range.last >= range.first);
      }
    }),
    { numRuns: 1000 },
  );
  for (const [text, expected] of [
    ['bytes=0-0', { first: 0, last: 0 }],
    ['bytes=5-', { first: 5 }],
    ['bytes=-7', { suffixLength: 7 }],
    ['bytes=7-5', undefined],
    ['bytes=0-1,3-4', undefined],
  ] as const) {
    assert.deepEqual(parseRange(text), expected, text);
  }
});
