/** A Vigil node sharing the PostgreSQL database, as the node registry records it. */
export interface NodeRecord {
  /** The node's name (host, process, random suffix), as in the job leases it takes. */
  id: string;
  /** api, worker or all (every role answers DetectAnomalies). */
  role: string;
  startedAt: Date;
  /** Its last heartbeat, by the database's clock. */
  heartbeatAt: Date;
}

/**
 * The node registry (PostgreSQL): each node renews its row every few seconds. Times are the database's
 * clock, so nodes whose clocks differ still agree on which nodes are live.
 */
export interface NodeRepository {
  /**
   * Records this node's heartbeat (its row is created at its first) and returns the nodes whose last
   * heartbeat is at most `windowMs` old, this one included, ordered by id. Rows silent for over
   * `forgetMs` (nodes long gone) are deleted on the way.
   */
  heartbeat(node: { id: string; role: string }, windowMs: number, forgetMs: number): Promise<NodeRecord[]>;
  /** Deletes the node's row: a node that stops cleanly leaves its share to the others at once. */
  remove(id: string): Promise<void>;
}
