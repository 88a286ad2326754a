import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';

const DRIVER_FIELDS = ['code', 'constraint', 'table', 'column', 'routine', 'severity'] as const;

/** A database driver's error (TypeORM QueryFailedError, pg's DatabaseError): its message may quote row values. */
export function isDriverError(err: Record<string, unknown>): boolean {
  return 'query' in err || 'parameters' in err || 'driverError' in err || 'severity' in err || 'detail' in err;
}

/**
 * Logs an error without the personal data database errors carry: TypeORM's QueryFailedError
 * holds the SQL parameters (names, emails, message bodies), PostgreSQL's `detail` and messages
 * quote row values ("Key (kind, value)=(email, …)", "invalid input syntax …: \"…\"").
 * Kept: type, SQL state and constraint/table/column names, and the stack frames.
 */
export function safeErrorSerializer(err: unknown): Record<string, unknown> {
  // callers that pass only an error's name (`{ err: err.name }`, never its message) keep it
  if (typeof err === 'string') return { type: /^[A-Z]\w{0,80}(Error|Exception)$/.test(err) ? err : 'string' };
  if (!err || typeof err !== 'object') return { type: typeof err };
  const e = err as Record<string, unknown> & { name?: string; message?: string; stack?: string };
  const driver = isDriverError(e) ? ((e.driverError as Record<string, unknown> | undefined) ?? e) : null;
  // pino-http hands over pino's own copy of the error, which names the class in `type`
  const type = typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : (e.constructor?.name ?? 'Error');
  const out: Record<string, unknown> = { type };
  if (driver) {
    for (const f of DRIVER_FIELDS) {
      const v = driver[f] ?? e[f];
      if (typeof v === 'string' || typeof v === 'number') out[f] = v;
    }
    out.message = 'database error (message withheld: it may quote row values)';
  } else if (typeof e.message === 'string') {
    out.message = e.message.slice(0, 500);
  }
  if (typeof e.stack === 'string') {
    out.stack = e.stack
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 20)
      .join('\n');
  }
  return out;
}

/** pino-http options, with an optional destination stream (tests capture the log output). */
export function withLogDestination(destination: DestinationStream | undefined, options: Options): Options | [Options, DestinationStream] {
  return destination ? [options, destination] : options;
}
