import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gcmDecrypt, gcmEncrypt } from '../../src/crypto/aesGcm.js';

/*
 * NIST CAVP AES-256-GCM vectors (Debian: python3-cryptography-vectors), run through the same
 * functions that seal and open each frame of a sealed object.
 */

const GCM_DIR = join('cryptography_vectors', 'ciphers', 'AES', 'GCM');

function findVectorsDir(): string | undefined {
  const packageDirs = ['/usr/lib/python3/dist-packages'];
  for (const lib of ['/usr/lib', '/usr/local/lib', join(homedir(), '.local', 'lib')]) {
    let entries: string[] = [];
    try {
      entries = readdirSync(lib).filter((name) => name.startsWith('python3'));
    } catch {
      continue;
    }
    for (const python of entries) packageDirs.push(join(lib, python, 'dist-packages'), join(lib, python, 'site-packages'));
  }
  return packageDirs.map((dir) => join(dir, GCM_DIR)).find((dir) => existsSync(join(dir, 'gcmDecrypt256.rsp')));
}

interface Vector {
  line: number;
  params: Record<string, number>;
  fields: Record<string, Buffer>;
  fail: boolean;
}

/** CAVP .rsp: "[Name = n]" parameter lines apply to the "Count = n" records that follow them. */
function parseRsp(text: string): Vector[] {
  const vectors: Vector[] = [];
  let params: Record<string, number> = {};
  let freshParams = false;
  let current: Vector | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    const param = /^\[(\w+) = (\d+)\]$/.exec(line);
    if (param) {
      if (!freshParams) params = {};
      params[param[1]] = Number(param[2]);
      freshParams = true;
      continue;
    }
    const field = /^(\w+) = ?([0-9a-fA-F]*)$/.exec(line);
    if (field?.[1] === 'Count') {
      current = { line: index + 1, params, fields: {}, fail: false };
      vectors.push(current);
      freshParams = false;
    } else if (field && current) {
      current.fields[field[1]] = Buffer.from(field[2], 'hex');
    } else if (line === 'FAIL' && current) {
      current.fail = true;
    }
  }
  return vectors;
}

/** Guards the parser: every record must have the sizes its section announced. */
function checkShape(vector: Vector, dataField: 'PT' | 'CT'): void {
  const { params, fields } = vector;
  const bits = (name: string) => fields[name].length * 8;
  assert.deepEqual([bits('Key'), bits('IV'), bits(dataField), bits('AAD'), bits('Tag')], [params.Keylen, params.IVlen, params.PTlen, params.AADlen, params.Taglen], `record at line ${vector.line}`);
}

const vectorsDir = findVectorsDir();
const missing = 'NIST GCM vectors not found: apt-get install -y python3-cryptography-vectors';
const skip = vectorsDir || process.env.CI ? false : missing;

test('vectors are present in CI', { skip }, () => {
  assert.ok(vectorsDir, missing);
});

test('gcmEncryptExtIV256.rsp: ciphertext and tag match', { skip }, (t) => {
  const vectors = parseRsp(readFileSync(join(vectorsDir!, 'gcmEncryptExtIV256.rsp'), 'utf8'));
  const failures: number[] = [];
  for (const vector of vectors) {
    checkShape(vector, 'PT');
    const { Key, IV, PT, AAD, CT, Tag } = vector.fields;
    const { ciphertext, tag } = gcmEncrypt(Key, IV, PT, AAD, Tag.length);
    if (!ciphertext.equals(CT) || !tag.equals(Tag)) failures.push(vector.line);
  }
  assert.deepEqual(failures, []);
  assert.ok(vectors.length >= 7875, `${vectors.length} vectors`);
  t.diagnostic(`${vectors.length} encryption vectors passed`);
});

test('gcmDecrypt256.rsp: plaintexts recovered, every FAIL case rejected', { skip }, (t) => {
  const vectors = parseRsp(readFileSync(join(vectorsDir!, 'gcmDecrypt256.rsp'), 'utf8'));
  const failures: number[] = [];
  for (const vector of vectors) {
    checkShape(vector, 'CT');
    const { Key, IV, CT, AAD, Tag, PT } = vector.fields;
    const plaintext = gcmDecrypt(Key, IV, CT, AAD, Tag);
    const ok = vector.fail ? plaintext === null : plaintext?.equals(PT);
    if (!ok) failures.push(vector.line);
  }
  assert.deepEqual(failures, []);
  const rejected = vectors.filter((vector) => vector.fail).length;
  assert.ok(rejected > 0 && rejected < vectors.length);
  t.diagnostic(`${vectors.length} decryption vectors passed, ${rejected} of them FAIL cases rejected`);
});
