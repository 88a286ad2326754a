import { createApp } from './bootstrap';
import { loadAppConfig } from './config/app-config';
import { EnvironmentError } from './config/env.validation';

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
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`Enlace Ciudadano failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
