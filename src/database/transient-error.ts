/** The SQLSTATE of a PostgreSQL error (pg's, or TypeORM's copy of it); '' for anything else. */
export function pgCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * PostgreSQL errors that mean "try again later" (connection lost, server shutting down, out of
 * resources, serialization failure or deadlock), not "this input is poison".
 */
export function isTransientError(err: unknown): boolean {
  const code = pgCode(err);
  if (/^(08|53|57P|40)/.test(code)) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /ECONNREFUSED|ECONNRESET|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|DataSource is not initialized|Cannot use a pool after calling end/i.test(message);
}
