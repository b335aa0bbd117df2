/**
 * Kinds of background work that nodes sharing a database take from one queue. `host` and `unhost` are the
 * work of a StartModel and a StopModel: run by the node that got the request, recorded so that another
 * node finishes it should that node die.
 */
export type JobKind = 'train' | 'dataset' | 'package' | 'host' | 'unhost';

/** A job as its node holds it: the lease (owner and attempt) fences every write the job makes. */
export interface ClaimedJob {
  id: number;
  kind: JobKind;
  /** What the job works on (a model ARN, project/dataset type, project/job name): one live job each. */
  resource: string;
  /** Names and ids only, never secrets or content. */
  payload: unknown;
  /** 1 for the first run, +1 each time another node takes the job over after its lease ran out. */
  attempt: number;
  owner: string;
}

/**
 * The shared job queue (PostgreSQL). A job row lives from enqueue until its node finishes it; times are
 * the database's clock, so nodes whose clocks differ still agree on when a lease has run out.
 */
export interface JobRepository {
  /** Queues a job; false when the resource already has a live job of that kind (nothing changed). */
  enqueue(kind: JobKind, resource: string, payload: unknown): Promise<boolean>;
  /**
   * Records a job as claimed by `owner` already (attempt 1), for work the node runs at once; a queued row of
   * that kind and resource, or one whose lease ran out, is taken over (attempt + 1). None when a live job
   * of that kind stands for the resource (nothing changed).
   */
  claimNew(kind: JobKind, resource: string, payload: unknown, owner: string, leaseMs: number): Promise<ClaimedJob | undefined>;
  /** Takes the oldest queued job, or one whose lease ran out (attempt + 1), for `leaseMs`; none when there is no work. */
  claim(owner: string, leaseMs: number): Promise<ClaimedJob | undefined>;
  /** Extends the lease; false when it is no longer this attempt's (taken over or finished). */
  heartbeat(job: ClaimedJob, leaseMs: number): Promise<boolean>;
  /** Puts a job this node stops working on (shutdown) back in the queue at once; false when the lease was not its own. */
  release(job: ClaimedJob): Promise<boolean>;
  /**
   * Runs the job's last write and removes the job, only while this attempt still holds the lease: the job
   * row stays locked meanwhile, so no node can take it over between the check and the write. Returns
   * false (and writes nothing) when the lease is stale: another node took the job over.
   */
  finish(job: ClaimedJob, write: () => Promise<void>): Promise<boolean>;
  /** Whether a live job of that kind exists for the resource. */
  has(kind: JobKind, resource: string): Promise<boolean>;
  /** Jobs queued or running on any node. */
  count(): Promise<number>;
}
