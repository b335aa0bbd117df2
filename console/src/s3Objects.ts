import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** An object's bytes through GetObject. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<{ bytes: Uint8Array; contentType?: string }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: await object.Body!.transformToByteArray(), contentType: object.ContentType };
}

/** An object's text through GetObject. */
export async function getObjectText(s3: S3Client, bucket: string, key: string): Promise<string> {
  return new TextDecoder().decode((await getObjectBytes(s3, bucket, key)).bytes);
}

/** PutObject of bytes already in memory (a Uint8Array body needs no stream support from the browser). */
export async function putObjectBytes(s3: S3Client, bucket: string, key: string, bytes: Uint8Array, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: contentType }));
}
