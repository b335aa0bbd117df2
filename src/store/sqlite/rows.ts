/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

/** Times are stored as epoch milliseconds. */
export const toDate = (value: unknown): Date => new Date(Number(value));
export const optionalDate = (value: unknown): Date | undefined => (value == null ? undefined : toDate(value));
