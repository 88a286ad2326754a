import { createApp } from './bootstrap';
import { loadAppConfig } from './config/app-config';
import { EnvironmentError } from './config/env.validation';
import { DataDirInUseError } from './database/embedded-postgres';

const SHUTDOWN_TIMEOUT_MS = 60_000;

async function main() {
  let config;
  try {
    config = loadAppConfig();
  } catch (err) {
    if (err instanceof EnvironmentError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  let running;
  try {
    running = await createApp(config);
  } catch (err) {
    if (err instanceof DataDirInUseError) {
      process.stderr.write(`Enlace Ciudadano failed to start: ${err.message}\n`);
      process.exit(75); // EX_TEMPFAIL
    }
    const failure = config.databaseUrl ? databaseFailure(err, config.databaseUrl) : null;
    if (failure) {
      // one line naming the variable (SPEC §8), never the password; not a stack trace
      process.stderr.write(`Enlace Ciudadano failed to start: DATABASE_URL: ${failure}\n`);
      process.exit(69); // EX_UNAVAILABLE
    }
    throw err;
  }
  await running.app.listen(config.port, process.env.HOST ?? '0.0.0.0');
  // Keep idle client connections open longer than the usual reverse-proxy upstream keep-alive
  // (nginx/ALB: 60 s; Node's default is 5 s), so a proxy never sends a request on a connection
  // we are closing and clients skip a TCP handshake per request.
  const server = running.app.getHttpServer() as import('node:http').Server;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  running.app.get(await import('nestjs-pino').then((m) => m.Logger)).log(`Enlace Ciudadano listening on port ${config.port}`, 'Bootstrap');
  // workers finish what they hold (bounded each); should closing hang anyway, the process still
  // ends, so an orchestrator's stop never waits on us forever
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`Enlace Ciudadano: shutdown after ${signal} took over ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    try {
      await running.close();
    } catch (err) {
      process.stderr.write(`Enlace Ciudadano: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Where DATABASE_URL points, for messages: user, host, port and database; never the password (nor the query, which may hold one). */
function describeDatabaseUrl(url: string): { where: string; host: string; port: string; database: string; user: string } {
  try {
    const u = new URL(url.replace('@/', '@localhost/'), 'postgres://base');
    const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname.replace(/^\[(.+)\]$/, '$1'));
    const port = u.searchParams.get('port') ?? (u.port || '5432');
    const database = decodeURIComponent(u.pathname.slice(1)) || '(default)';
    const user = u.searchParams.get('user') ?? (decodeURIComponent(u.username) || '(default)');
    return { where: `${host}:${port}, database "${database}", user "${user}"`, host, port, database, user };
  } catch {
    return { where: '(unparseable URL)', host: '?', port: '?', database: '?', user: '?' };
  }
}

/** The codes an error carries, its own and its causes' (a timeout wraps the socket error; a dual-stack connect gives an AggregateError). */
function errorChain(err: unknown): { code?: string; message: string }[] {
  const chain: { code?: string; message: string }[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 5) return;
    seen.add(e);
    const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    chain.push({ code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : '' });
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return chain;
}

/**
 * Why PostgreSQL at DATABASE_URL could not be reached or entered, in words; null when `err` is not
 * such a failure (a failing migration, a bug: those keep their stack trace).
 */
function databaseFailure(err: unknown, url: string): string | null {
  const target = describeDatabaseUrl(url);
  const chain = errorChain(err);
  const has = (...codes: string[]) => chain.find((e) => e.code && codes.includes(e.code));
  const said = (re: RegExp) => chain.find((e) => re.test(e.message));
  const at = `cannot connect to PostgreSQL at ${target.where}`;
  if (has('ERR_INVALID_URL')) return 'not a valid URL (postgres://user:password@host:port/database)';
  if (has('ENOTFOUND')) return `${at}: host not found (${target.host})`;
  if (has('EAI_AGAIN')) return `${at}: host name lookup failed (${target.host}; DNS not answering)`;
  if (has('ECONNREFUSED')) return `${at}: connection refused (nothing listens on ${target.host}:${target.port})`;
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return `${at}: host unreachable`;
  if (has('ETIMEDOUT') || said(/connection timeout|timeout expired|timeout exceeded/i)) return `${at}: timed out (no answer from ${target.host}:${target.port})`;
  if (has('3D000')) return `${at}: database "${target.database}" does not exist`;
  if (has('28P01')) return `${at}: authentication failed (wrong password for user "${target.user}")`;
  const refused = has('28000'); // invalid_authorization_specification: no such role, no pg_hba.conf entry
  if (refused) return `${at}: authentication failed (${refused.message})`;
  const unavailable = has('57P03', '53300'); // starting up or shutting down; too many connections
  if (unavailable) return `${at}: server not accepting connections (${unavailable.message})`;
  const tls = has('DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID') ?? said(/does not support SSL|SSL|TLS/);
  if (tls) return `${at}: TLS failed (${tls.message})`;
  if (has('ECONNRESET') || said(/Connection terminated unexpectedly/)) return `${at}: the connection was closed before PostgreSQL answered`;
  return null;
}

main().catch((err) => {
  process.stderr.write(`Enlace Ciudadano failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
