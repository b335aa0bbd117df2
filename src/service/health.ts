import type { BlobStore } from '../blob/blobStore.js';
import type { NodeRole } from '../config.js';
import type { SettingsRepository } from '../store/metadataStore.js';

/** One dependency's state: reachable or not, and how long the probe took. Never an error text (it could name a host or user). */
export interface DependencyCheck {
  ok: boolean;
  ms: number;
}

export interface HealthReport {
  /** Ready to answer requests: every dependency reachable. */
  ready: boolean;
  role: NodeRole;
  checks: { database: DependencyCheck; objectStore: DependencyCheck };
  /** Shared database: the nodes whose heartbeat is within the job lease, this one included (a count: no names). */
  liveNodes?: number;
}

/** A probe that has not answered within this long counts as unreachable: a load balancer's check must not hang. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Readiness of this node for a load balancer or an orchestrator: the metadata database answers a read,
 * the object store answers a lookup. Liveness is the HTTPS listener answering at all.
 */
export class Health {
  constructor(
    private readonly settings: SettingsRepository,
    private readonly objects: BlobStore,
    private readonly role: NodeRole,
    /** Shared database: the live nodes as of the node registry's last heartbeat. */
    private readonly liveNodes?: () => number,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, objectStore] = await Promise.all([probe(() => this.settings.get('account.id')), probe(() => this.objects.exists('health/probe'))]);
    const report: HealthReport = { ready: database.ok && objectStore.ok, role: this.role, checks: { database, objectStore } };
    if (this.liveNodes) report.liveNodes = this.liveNodes();
    return report;
  }
}

async function probe(work: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  const ok = await Promise.race([
    work().then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return { ok, ms: Math.round(performance.now() - started) };
}
