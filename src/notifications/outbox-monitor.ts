import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { HealthContributors } from '../health/health-contributors';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxService } from './outbox.service';
import { OutboxTransports } from './outbox-transports';

/** Outbox figures for /metrics (queued, failed, lag per channel) and a detail in /health/ready. */
@Injectable()
export class OutboxMonitor implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly transports: OutboxTransports,
    private readonly metrics: MetricsService,
    private readonly health: HealthContributors,
  ) {}

  onModuleInit(): void {
    const queued = this.metrics.gauge(
      'enlace_outbox_queued',
      'Outbox rows waiting to be sent, per channel',
      ['channel'],
    );
    const failed = this.metrics.gauge(
      'enlace_outbox_failed',
      'Outbox rows that failed for good (shown on their thread), per channel',
      ['channel'],
    );
    const lag = this.metrics.gauge(
      'enlace_outbox_oldest_queued_seconds',
      'Age of the oldest queued outbox row (outbox lag), per channel',
      ['channel'],
    );
    this.metrics.onCollect(async () => {
      const stats = await this.outbox.stats();
      queued.reset();
      failed.reset();
      lag.reset();
      for (const channel of new Set(['email', ...this.transports.channels()])) {
        queued.set({ channel }, 0);
        failed.set({ channel }, 0);
        lag.set({ channel }, 0);
      }
      for (const s of stats) {
        queued.set({ channel: s.channel }, s.queued);
        failed.set({ channel: s.channel }, s.failed);
        lag.set({ channel: s.channel }, s.oldestQueuedSeconds);
      }
    });
    // a mail server that is down must not take the service out of rotation: details only, always "up"
    this.health.register(async () => {
      const stats = await this.outbox.stats();
      const sum = (k: 'queued' | 'failed') => stats.reduce((n, s) => n + s[k], 0);
      return {
        outbox: {
          status: 'up' as const,
          smtp: this.config.smtp ? 'configured' : 'not configured (emails stay queued)',
          worker: this.config.outbox.workerEnabled ? 'running' : 'disabled on this instance',
          transports: this.transports.channels(),
          queued: sum('queued'),
          failed: sum('failed'),
          oldestQueuedSeconds: Math.round(Math.max(0, ...stats.map((s) => s.oldestQueuedSeconds))),
          channels: stats,
        },
      };
    });
  }
}
