/** Records of projects' datasets and of idempotent requests. */

export type DatasetType = 'train' | 'test';

export type DatasetStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_FAILED_ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

export interface ImageStats {
  total: number;
  labeled: number;
  normal: number;
  anomaly: number;
}

export interface DatasetRecord {
  projectName: string;
  datasetType: DatasetType;
  status: DatasetStatus;
  statusMessage?: string;
  createdAt: Date;
  updatedAt: Date;
  /** Blob key of the dataset's sealed entry list; absent while the dataset has never held entries. */
  entriesBlob?: string;
  stats: ImageStats;
  /** The one bucket every image of the dataset comes from (LFV's rule), once known. */
  imageBucket?: string;
}

export interface DatasetRepository {
  /** Inserts a dataset; false when the project already has one of that type (nothing changed). */
  create(record: DatasetRecord): Promise<boolean>;
  get(projectName: string, datasetType: DatasetType): Promise<DatasetRecord | undefined>;
  listForProject(projectName: string): Promise<DatasetRecord[]>;
  /**
   * Moves a dataset from one status to another (and sets the given fields) only if it is still in
   * `from`; returns whether it was. This is how concurrent updates of one dataset are refused.
   */
  transition(
    projectName: string,
    datasetType: DatasetType,
    from: readonly DatasetStatus[],
    to: Partial<Omit<DatasetRecord, 'projectName' | 'datasetType' | 'createdAt'>> & { status: DatasetStatus },
  ): Promise<boolean>;
  delete(projectName: string, datasetType: DatasetType): Promise<void>;
  /** Datasets left in an *_IN_PROGRESS status, e.g. by a crash. */
  listInProgress(): Promise<DatasetRecord[]>;
}

export interface IdempotencyRecord {
  /** Operation name and the resource it acts on, e.g. "CreateDataset projects/p1". */
  scope: string;
  token: string;
  /** SHA-256 of the request's parameters: the same token with other parameters is a conflict. */
  requestHash: string;
  /** The JSON response, or PENDING_RESPONSE while the first request with the token is still running. */
  response: string;
  createdAt: Date;
}

/** The response of a reserved token whose request has not finished (a JSON response is never empty). */
export const PENDING_RESPONSE = '';

export interface IdempotencyRepository {
  get(scope: string, token: string, notBefore: Date): Promise<IdempotencyRecord | undefined>;
  /**
   * Reserves a token for the request about to run (a pending record), unless a record holds it: one created
   * since notBefore, or a pending one created since abandonedBefore (older: its request's process died).
   * Of requests reserving one token at once, on any node, exactly one gets 'reserved'; the others get the record.
   */
  reserve(record: Omit<IdempotencyRecord, 'response'>, notBefore: Date, abandonedBefore: Date): Promise<'reserved' | IdempotencyRecord>;
  /** Stores the response of a reserved token's request. */
  complete(scope: string, token: string, response: string): Promise<void>;
  /** Frees a reserved token whose request failed, so that a retry runs it again. */
  release(scope: string, token: string): Promise<void>;
  deleteOlderThan(date: Date): Promise<void>;
}
