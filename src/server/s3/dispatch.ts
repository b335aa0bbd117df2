import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from './bucketEncryption.js';
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from './bucketLifecycle.js';
import { createBucket, deleteBucket, getBucketLocation, getBucketVersioning, headBucket, listBuckets, putBucketVersioning } from './bucketOperations.js';
import type { S3BucketHandler, S3Handler, S3ServiceHandler } from './call.js';
import { copyObject } from './copyObject.js';
import { deleteObject, deleteObjects } from './deleteObjects.js';
import { getObject, headObject } from './getObject.js';
import { getObjectAttributes } from './getObjectAttributes.js';
import { listObjectsV1, listObjectsV2, listObjectVersions } from './listObjects.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart, uploadPartCopy } from './multipartUpload.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './objectTagging.js';
import {
  deleteBucketPolicy,
  deletePublicAccessBlock,
  getBucketAcl,
  getBucketPolicy,
  getBucketPolicyStatus,
  getObjectAcl,
  getPublicAccessBlock,
  putBucketAcl,
  putBucketPolicy,
  putObjectAcl,
  putPublicAccessBlock,
} from './publicAccess.js';
import { putObject } from './putObject.js';

/** Which handler serves a request, chosen like S3 does: by method, bucket/key presence and subresource. */
export type S3Route =
  | { level: 'service'; name: string; handler: S3ServiceHandler }
  | { level: 'bucket'; name: string; handler: S3BucketHandler }
  | { level: 'object'; name: string; handler: S3Handler }
  | { level: 'unsupported'; name: string };

/** Query parameters that select an S3 subresource; those not handled below are NotImplemented. */
const SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'metadataTable',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
];

type Table<H> = Record<string, Record<string, [string, H]>>;

const BUCKET: Table<S3BucketHandler> = {
  PUT: {
    '': ['CreateBucket', createBucket],
    encryption: ['PutBucketEncryption', putBucketEncryption],
    publicAccessBlock: ['PutPublicAccessBlock', putPublicAccessBlock],
    acl: ['PutBucketAcl', putBucketAcl],
    policy: ['PutBucketPolicy', putBucketPolicy],
    versioning: ['PutBucketVersioning', putBucketVersioning],
    lifecycle: ['PutBucketLifecycleConfiguration', putBucketLifecycleConfiguration],
  },
  GET: {
    encryption: ['GetBucketEncryption', getBucketEncryption],
    publicAccessBlock: ['GetPublicAccessBlock', getPublicAccessBlock],
    policyStatus: ['GetBucketPolicyStatus', getBucketPolicyStatus],
    acl: ['GetBucketAcl', getBucketAcl],
    policy: ['GetBucketPolicy', getBucketPolicy],
    location: ['GetBucketLocation', getBucketLocation],
    versioning: ['GetBucketVersioning', getBucketVersioning],
    uploads: ['ListMultipartUploads', listMultipartUploads],
    versions: ['ListObjectVersions', listObjectVersions],
    lifecycle: ['GetBucketLifecycleConfiguration', getBucketLifecycleConfiguration],
  },
  HEAD: { '': ['HeadBucket', headBucket] },
  DELETE: {
    '': ['DeleteBucket', deleteBucket],
    encryption: ['DeleteBucketEncryption', deleteBucketEncryption],
    publicAccessBlock: ['DeletePublicAccessBlock', deletePublicAccessBlock],
    policy: ['DeleteBucketPolicy', deleteBucketPolicy],
    lifecycle: ['DeleteBucketLifecycle', deleteBucketLifecycle],
  },
  POST: { delete: ['DeleteObjects', deleteObjects] },
};

const OBJECT: Table<S3Handler> = {
  PUT: { '': ['PutObject', putObject], uploadId: ['UploadPart', uploadPart], acl: ['PutObjectAcl', putObjectAcl], tagging: ['PutObjectTagging', putObjectTagging] },
  GET: {
    '': ['GetObject', getObject],
    partNumber: ['GetObject', getObject],
    uploadId: ['ListParts', listParts],
    acl: ['GetObjectAcl', getObjectAcl],
    tagging: ['GetObjectTagging', getObjectTagging],
    attributes: ['GetObjectAttributes', getObjectAttributes],
  },
  HEAD: { '': ['HeadObject', headObject], partNumber: ['HeadObject', headObject] },
  DELETE: { '': ['DeleteObject', deleteObject], uploadId: ['AbortMultipartUpload', abortMultipartUpload], tagging: ['DeleteObjectTagging', deleteObjectTagging] },
  POST: { uploads: ['CreateMultipartUpload', createMultipartUpload], uploadId: ['CompleteMultipartUpload', completeMultipartUpload] },
};

export function chooseRoute(method: string, bucket: string | undefined, key: string | undefined, query: Map<string, string>, copySource: boolean): S3Route {
  const present = SUBRESOURCES.filter((name) => query.has(name));
  if (bucket === undefined) {
    return method === 'GET' && present.length === 0 ? { level: 'service', name: 'ListBuckets', handler: listBuckets } : { level: 'unsupported', name: `${method} /` };
  }
  if (key === undefined) {
    // ?list-type=2 selects V2 of ListObjects; no subresource at all is V1.
    if (method === 'GET' && present.length === 0) {
      return query.get('list-type') === '2' ? { level: 'bucket', name: 'ListObjectsV2', handler: listObjectsV2 } : { level: 'bucket', name: 'ListObjects', handler: listObjectsV1 };
    }
    const entry = present.length <= 1 ? BUCKET[method]?.[present[0] ?? ''] : undefined;
    return entry ? { level: 'bucket', name: entry[0], handler: entry[1] } : { level: 'unsupported', name: `${method} bucket?${present.join('&')}` };
  }
  // UploadPart and ListParts/Complete/Abort carry uploadId (and partNumber); GET ?partNumber alone reads a part of an object.
  const selector = present.includes('uploadId') ? 'uploadId' : present.length === 1 && present[0] === 'partNumber' ? 'partNumber' : present.length <= 1 ? (present[0] ?? '') : '?';
  if (selector === '' && method === 'PUT' && copySource) return { level: 'object', name: 'CopyObject', handler: copyObject };
  if (selector === 'uploadId' && method === 'PUT' && copySource) return { level: 'object', name: 'UploadPartCopy', handler: uploadPartCopy };
  const entry = OBJECT[method]?.[selector];
  return entry ? { level: 'object', name: entry[0], handler: entry[1] } : { level: 'unsupported', name: `${method} object?${present.join('&')}` };
}
