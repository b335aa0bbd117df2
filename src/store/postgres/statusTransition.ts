import type { Queryable } from './database.js';

/**
 * An UPDATE that changes a row only while its status is one of `from`: how concurrent requests on one
 * dataset or model are kept apart, across nodes too. PostgreSQL locks the row and re-checks the status
 * after any concurrent change commits, so of two racing transitions from the same status exactly one
 * wins. `columns` maps record fields to columns; a field may also expand to several columns (`expand`).
 * Dates are stored as epoch milliseconds, objects as JSON. Unless the change says otherwise, the status
 * message is cleared and updated_at set to now.
 */
export async function transitionWhereStatus(
  db: Queryable,
  table: string,
  key: Record<string, string | number>,
  from: readonly string[],
  changes: Record<string, unknown>,
  columns: Record<string, string>,
  expand: Record<string, (value: never) => Record<string, unknown>> = {},
): Promise<boolean> {
  const assigned: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    if (field in expand) {
      Object.assign(assigned, expand[field](value as never));
      continue;
    }
    const column = columns[field];
    if (!column) throw new Error(`${table} has no field ${field}`);
    assigned[column] = value instanceof Date ? value.getTime() : value !== null && typeof value === 'object' ? JSON.stringify(value) : (value ?? null);
  }
  if (!('statusMessage' in changes)) assigned.status_message = null;
  if (!('updatedAt' in changes)) assigned.updated_at = Date.now();
  const values = [...Object.values(assigned), ...Object.values(key), [...from]];
  const sets = Object.keys(assigned).map((column, index) => `${column} = $${index + 1}`);
  const where = Object.keys(key).map((column, index) => `${column} = $${sets.length + index + 1}`);
  const result = await db.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${where.join(' AND ')} AND status = ANY($${values.length}::text[])`, values);
  return result.rowCount === 1;
}
