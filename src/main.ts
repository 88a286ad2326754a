import { createApp } from './bootstrap';
import { loadAppConfig } from './config/app-config';
import { EnvironmentError } from './config/env.validation';

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
  const running = await createApp(config);
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

main().catch((err) => {
  process.stderr.write(`Enlace Ciudadano failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
