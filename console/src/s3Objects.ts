import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Clients } from './clients';

/** An s3://bucket/key reference split into its parts; undefined when it is not one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}

/** An object's bytes and type, read through the S3 API with the session's credentials. */
export async function readObject(clients: Clients, bucket: string, key: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; contentType: string | undefined }> {
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: await object.Body!.transformToByteArray(), contentType: object.ContentType };
}

/** An object's text, as UTF-8. */
export async function readObjectText(clients: Clients, bucket: string, key: string): Promise<string> {
  return new TextDecoder().decode((await readObject(clients, bucket, key)).bytes);
}

/** The image type DetectAnomalies wants for a file name (PNG or JPEG; anything else is sent as JPEG and refused by the server). */
export function imageType(name: string): string {
  return /\.png$/i.test(name) ? 'image/png' : 'image/jpeg';
}
