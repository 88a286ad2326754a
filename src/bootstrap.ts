import 'reflect-metadata';
import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { jsonDepthVerifier } from './common/json-depth';
import { buildValidationPipe } from './common/validation.pipe';
import { AppConfig, cleartextLoginWarnings } from './config/app-config';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { WEBHOOKS_PATH } from './intake/social/social-webhooks.controller';
import { UsersService } from './users/users.service';

export interface RunningApp {
  app: INestApplication;
  config: AppConfig;
  databaseUrl: string;
  embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** send logs here instead of stdout (the e2e log-capture harness) */
  logDestination?: DestinationStream;
}

const isWebhookJson = (req: IncomingMessage): boolean => {
  const type = req.headers['content-type'];
  return !!req.url?.startsWith(WEBHOOKS_PATH) && typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type);
};

/** Everything `npm start` does, minus listening: the e2e tests use the same path. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<RunningApp> {
  let embedded: EmbeddedPostgres | null = null;
  let databaseUrl = config.databaseUrl;
  const notes: string[] = [];
  if (!databaseUrl) {
    embedded = await EmbeddedPostgres.start(config.dataDir);
    databaseUrl = embedded.url;
    notes.push(`DATABASE_URL is not set: using the embedded PostgreSQL (PGlite) persisted in ${config.dataDir}`);
  }
  try {
    const applied = await runMigrations(databaseUrl, { lock: !embedded });
    if (applied.length) notes.push(`applied migrations: ${applied.join(', ')}`);

    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl, poolSize: embedded ? 1 : 10, logDestination: options.logDestination }),
      { bufferLogs: true },
    );
    const logger = app.get(Logger);
    app.useLogger(logger);
    for (const note of notes) logger.log(note, 'Bootstrap');
    if (config.jwtSecretGenerated) {
      logger.warn('JWT_SECRET is not set: a random secret was generated; sessions end when the service restarts', 'Bootstrap');
    }
    for (const warning of cleartextLoginWarnings(config)) logger.warn(warning, 'Bootstrap');
    app.set('trust proxy', config.trustProxy); // TRUST_PROXY: whose X-Forwarded-For names the client (rate limits, login lockout)
    app.disable('x-powered-by'); // helmet drops it too, but the webhooks skip helmet
    // browser-facing security headers; the platform webhooks answer servers only (issue #5: not on their hot path)
    const securityHeaders = helmet();
    app.use((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) =>
      req.url?.startsWith(WEBHOOKS_PATH) ? next() : securityHeaders(req, res, next),
    );
    app.enableCors(config.corsOrigins.length ? { origin: config.corsOrigins } : { origin: false });
    // webhooks sign and store the raw bytes and never need them parsed: a raw parser takes their
    // JSON bodies first (req.body is then a Buffer) and the JSON parser below skips them.
    // Both refuse a body nested deeper than MAX_JSON_DEPTH with a 400 before anything parses it
    // (class-transformer overflowed its stack on a few thousand levels; the webhooks' bytes are parsed
    // later, by the event processor); verify only reads the bytes, the signature still covers them as sent.
    // urlencoded stays flat (extended: false): it has no nesting to limit. Nest's types leave `verify`
    // out because NestFactory.create(..., { rawBody: true }) would replace it: do not set rawBody.
    const verify = jsonDepthVerifier();
    app.useBodyParser('raw', { type: isWebhookJson, limit: '1mb', verify } as NestExpressBodyParserOptionsFor<'raw'>);
    app.useBodyParser('json', { limit: '1mb', verify } as NestExpressBodyParserOptionsFor<'json'>);
    app.useBodyParser('urlencoded', { limit: '1mb', extended: false });
    app.setGlobalPrefix('api/v1', {
      exclude: [
        { path: 'health/live', method: RequestMethod.GET },
        { path: 'health/ready', method: RequestMethod.GET },
        { path: 'metrics', method: RequestMethod.GET },
        { path: 'aviso-de-privacidad', method: RequestMethod.GET },
        { path: 'seguimiento/:folio', method: RequestMethod.GET },
      ],
    });
    app.useGlobalPipes(buildValidationPipe());
    // no enableShutdownHooks(): the entry point (src/main.ts) owns SIGTERM/SIGINT and closes the
    // app, then the embedded database, then exits 0; Nest's hook re-raised the signal once the
    // app was closed, which killed the process before the embedded database was stopped
    const doc = new DocumentBuilder()
      .setTitle('Enlace Ciudadano API')
      .setDescription('Citizen reports of San Luis Potosí: tickets, citizens, catalog, users')
      .setVersion('1')
      .addBearerAuth()
      .build();
    SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, doc));
    await app.init();
    await app.get(UsersService).ensureFirstAdmin(config.adminEmail, config.adminPassword).catch((err: { code?: string }) => {
      if (err.code !== '23505') throw err; // another instance created it first
    });
    return {
      app,
      config,
      databaseUrl,
      embedded,
      async close() {
        await app.close();
        if (embedded) await embedded.stop();
      },
    };
  } catch (err) {
    if (embedded) await embedded.stop().catch(() => undefined);
    throw err;
  }
}
