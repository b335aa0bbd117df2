import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type RawResponse, type SignedRequestOptions, sendSigned } from './signedRequest.js';
import type { TestVigil } from './vigil.js';

/** The real @aws-sdk/client-s3 against a test Vigil, path style, trusting its certificate. */
export function s3Client(vigil: TestVigil, options: { credentials?: { accessKeyId: string; secretAccessKey: string } } = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: vigil.endpoint,
    forcePathStyle: true,
    credentials: options.credentials ?? vigil.rootAccessKey,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: vigil.tls.cert }) }),
  });
}

/** A request signed for service s3 (path given percent-encoded, as sent). */
export function sendS3(vigil: TestVigil, options: Omit<SignedRequestOptions, 'credentials' | 'service'> & { credentials?: SignedRequestOptions['credentials'] }): Promise<RawResponse> {
  return sendSigned(vigil.endpoint, vigil.tls.cert, { credentials: vigil.rootAccessKey, service: 's3', ...options });
}

/** The Code of an S3 XML error body. */
export function errorCode(response: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(response.body)?.[1];
}

/** The Debian AWS CLI v2 (apt-get install awscli); an older pip-installed v1 on PATH has no lookoutvision command. */
export const AWS_CLI = '/usr/bin/aws';

/**
 * Why the AWS CLI tests cannot run here, or false when they can. In CI (CI set) a missing CLI is a
 * failure, not a skip: the tests then run and fail on the missing command.
 */
export const awsCliSkip: string | false = existsSync(AWS_CLI) || process.env.CI ? false : `the AWS CLI v2 is not installed (${AWS_CLI}): apt-get install -y awscli`;

/** Runs the Debian AWS CLI v2 against the test Vigil with its credentials file. */
export async function awsCli(vigil: TestVigil, args: string[], options: { cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: vigil.dataDir,
    AWS_SHARED_CREDENTIALS_FILE: vigil.credentialsPath,
    AWS_PROFILE: 'vigil',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_PAGER: '',
  };
  return promisify(execFile)(AWS_CLI, [...args, '--region', 'us-east-1', '--endpoint-url', vigil.endpoint, '--ca-bundle', vigil.tls.certPath], {
    env,
    cwd: options.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Every regular file under a directory. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Blob files of bucket data (objects and parts) on disk. */
export async function bucketBlobFiles(vigil: TestVigil): Promise<string[]> {
  return (await filesUnder(join(vigil.dataDir, 'blobs'))).filter((path) => path.includes('/buckets/'));
}

/**
 * A signed S3 request sent with its own Host header (virtual-host style) while TLS still verifies
 * the certificate's "localhost" name.
 */
export function sendS3WithHost(vigil: TestVigil, host: string, options: { method: string; path: string; query?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return sendS3(vigil, { ...options, host });
}
