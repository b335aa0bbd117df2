import type { NodeRecord, NodeRepository } from '../store/nodeRecords.js';

export interface NodeRegistryOptions {
  /** This node's name, as in the job leases it takes. */
  nodeId: string;
  role: string;
  /** How long a node counts as live after its last heartbeat (the job lease: how soon a node that died is known dead). */
  windowMs: number;
  /** A heartbeat the database did not take: the last view of the nodes stands until the next one. */
  onFailure(error: unknown): void;
}

/** The longest wait between heartbeats, whatever the window: a node that joins is counted by the others within this. */
const MAX_HEARTBEAT_MS = 5_000;
/** A row silent this many windows belongs to a node long gone: it is deleted. */
const FORGET_WINDOWS = 100;

/**
 * This node's place among the nodes sharing the PostgreSQL database: it renews its row in the `nodes` table
 * every third of the window (at most every 5 s) and keeps the list of live nodes that the database returns,
 * so that a hosted model's capacity can be divided among them with no database round trip per request.
 * A node that stops cleanly deletes its row; one that dies stops renewing it and drops out of the others'
 * lists within the window.
 */
export class NodeRegistry {
  private live: readonly NodeRecord[] = [];
  /** This node's count and place (by id) among the live nodes, recomputed at each heartbeat. */
  private count = 1;
  private rank = 0;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly repository: NodeRepository,
    private readonly options: NodeRegistryOptions,
  ) {}

  /** Takes the first heartbeat (so the node knows its peers before it serves), then renews on a timer. */
  async start(): Promise<void> {
    await this.beat();
    const every = Math.max(50, Math.min(MAX_HEARTBEAT_MS, Math.floor(this.options.windowMs / 3)));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
  }

  /** The live nodes as of the last heartbeat, ordered by id. */
  get liveNodes(): readonly NodeRecord[] {
    return this.live;
  }

  /** How many nodes are live, this one included. */
  get liveCount(): number {
    return this.count;
  }

  /** This node's share of `capacity` concurrent requests divided among the live nodes (see divideCapacity). */
  shareOf(capacity: number): number {
    return divideCapacity(capacity, this.count, this.rank);
  }

  /** Stops renewing and deletes this node's row, so the others take its share at their next heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.repository.remove(this.options.nodeId).catch((error: unknown) => this.options.onFailure(error));
  }

  private beat(): Promise<void> {
    // One heartbeat at a time: a slow database is not queried again before it answered.
    this.beating ??= (async () => {
      try {
        const { nodeId, role, windowMs } = this.options;
        const live = await this.repository.heartbeat({ id: nodeId, role }, windowMs, windowMs * FORGET_WINDOWS);
        // This node is live by definition, even when its own row reads stale (a heartbeat that took longer than the window).
        const ids = live.some((node) => node.id === nodeId) ? live.map((node) => node.id) : [...live.map((node) => node.id), nodeId].sort();
        this.live = live;
        this.count = ids.length;
        this.rank = ids.indexOf(nodeId);
      } catch (error) {
        this.options.onFailure(error);
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }
}

/**
 * The share of `capacity` that the node at `rank` (0-based, by id) of `nodes` live nodes admits: the
 * quotient, plus one for the first `capacity mod nodes` nodes, so that the shares add up to exactly the
 * capacity when the nodes agree on who is live; but at least 1, so that every node can answer (with more
 * nodes than capacity the cluster admits one request per node, at most nodes − capacity over).
 */
export function divideCapacity(capacity: number, nodes: number, rank: number): number {
  const base = Math.floor(capacity / nodes);
  return Math.max(1, base + (rank < capacity % nodes ? 1 : 0));
}
