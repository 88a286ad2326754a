import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { CitizenStatusModule } from './citizen-status/citizen-status.module';
import { CitizensModule } from './citizens/citizens.module';
import { ClockModule } from './common/clock.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { safeErrorSerializer, withLogDestination } from './common/safe-log';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { buildDataSourceOptions } from './database/data-source';
import { HealthModule } from './health/health.module';
import { EmailIntakeModule } from './intake/email/email-intake.module';
import { IntakeModule } from './intake/intake.module';
import { SocialIntakeModule } from './intake/social-intake.module';
import { MetricsModule } from './metrics/metrics.module';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { PrivacyNoticeModule } from './privacy-notice/privacy-notice.module';
import { ReportsModule } from './reports/reports.module';
import { RoutingModule } from './routing/routing.module';
import { SlaModule } from './sla/sla.module';
import { NotificationsModule } from './notifications/notifications.module';
import { TicketsModule } from './tickets/tickets.module';
import { UsersModule } from './users/users.module';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** 1 on the embedded database: PGlite has a single backend session */
  poolSize: number;
  /** where logs go instead of stdout (tests capture them to prove they hold no personal data) */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(opts: AppModuleOptions): DynamicModule {
    const { config } = opts;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          // platform webhooks: no per-request logger (child logger, request id, completion line) on
          // their hot path; they log their own authentication failures, and metrics count deliveries
          exclude: [
            { method: RequestMethod.ALL, path: 'webhooks/meta' },
            { method: RequestMethod.ALL, path: 'webhooks/telegram' },
          ],
          pinoHttp: withLogDestination(opts.logDestination, {
            level: config.logLevel,
            genReqId: (req, res) => {
              const incoming = req.headers['x-request-id'];
              const id = typeof incoming === 'string' && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            // ids only: no bodies, no query strings (tokens), no auth headers (SPEC §7)
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              // driver errors carry SQL parameters and row values: keep only type, codes and stack
              err: safeErrorSerializer,
            },
            redact: { paths: ['req.headers', 'res.headers'], remove: true },
            autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' },
            ...(config.logPretty ? { transport: { target: 'pino-pretty' } } : {}),
          }),
        }),
        TypeOrmModule.forRoot({ ...buildDataSourceOptions(opts.databaseUrl, { poolSize: opts.poolSize }), migrationsRun: false }),
        HealthModule,
        MetricsModule,
        AuthModule,
        UsersModule,
        CatalogModule,
        CitizensModule,
        TicketsModule,
        IntakeModule,
        PersonalDataModule,
        PrivacyNoticeModule,
        ClockModule,
        RoutingModule,
        SlaModule,
        ReportsModule,
        NotificationsModule,
        CitizenStatusModule,
        EmailIntakeModule,
        SocialIntakeModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
