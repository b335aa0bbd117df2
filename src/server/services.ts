import type { EmbeddedKms } from '../crypto/embeddedKms.js';
import type { AccessKeys } from '../service/accessKeys.js';
import type { BucketSettings } from '../service/bucketSettings.js';
import type { Buckets } from '../service/buckets.js';
import type { DataKeyRewrap } from '../service/dataKeyRewrap.js';
import type { Datasets } from '../service/datasets.js';
import type { DetectionMetrics } from '../service/detectionMetrics.js';
import type { Health } from '../service/health.js';
import type { LifecycleSweeper } from '../service/lifecycleSweeper.js';
import type { ModelHosting } from '../service/modelHosting.js';
import type { ModelPackaging } from '../service/modelPackaging.js';
import type { Models } from '../service/models.js';
import type { MultipartUploads } from '../service/multipartUploads.js';
import type { ObjectTagging } from '../service/objectTagging.js';
import type { Projects } from '../service/projects.js';
import type { SessionCredentials } from '../service/sessionCredentials.js';
import type { Tags } from '../service/tags.js';

/** The use cases the protocol adapters call. */
export interface Services {
  accessKeys: AccessKeys;
  /** Short-lived credentials from STS GetSessionToken (the console signs in with them). */
  sessionCredentials: SessionCredentials;
  projects: Projects;
  datasets: Datasets;
  buckets: Buckets;
  /** Default encryption, versioning and lifecycle rules of a bucket. */
  bucketSettings: BucketSettings;
  /** Applies lifecycle rules; tells when a rule expires an object (x-amz-expiration). */
  lifecycle: LifecycleSweeper;
  multipartUploads: MultipartUploads;
  objectTagging: ObjectTagging;
  tags: Tags;
  models: Models;
  /** StartModel, StopModel and DetectAnomalies. */
  hosting: ModelHosting;
  /** StartModelPackagingJob, DescribeModelPackagingJob, ListModelPackagingJobs. */
  packaging: ModelPackaging;
  metrics: DetectionMetrics;
  /** Readiness of this node (database, object store) for /_vigil/health. */
  health: Health;
  /** Rewraps stored objects' data keys after a key rotation (`vigil keys rewrap`). */
  keyRewrap: DataKeyRewrap;
  /** The key service behind the KMS API. */
  keys: EmbeddedKms;
  /** Set when an external KMS protects the data: the KMS API then refuses key operations and names it. */
  externalKmsEndpoint?: string;
}
