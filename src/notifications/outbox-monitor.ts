import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { HealthContributors } from '../health/health-contributors';
import { MetricsService } from '../metrics/metrics.service';
import { OutboxService } from './outbox.service';
import { OutboxTransports } from './outbox-transports';
import { OutboxWorker } from './outbox-worker';

/** Outbox figures for /metrics (queued, failed, lag per channel) and a detail in /health/ready. */
@Injectable()
export class OutboxMonitor implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly transports: OutboxTransports,
    private readonly metrics: MetricsService,
    private readonly health: HealthContributors,
    private readonly worker: OutboxWorker,
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
    // a mail server that is down must not take the service out of rotation: details only, always "up".
    // lastError is what this instance's worker last met on a link (SMTP login refused, DNS, connection
    // refused, timeout…), "<channel>: …", cleared by that channel's next successful send; no address,
    // no credential (OutboxWorker.redactLinkError). Per channel in `links`.
    this.health.register(async () => {
      const stats = await this.outbox.stats();
      const sum = (k: 'queued' | 'failed') => stats.reduce((n, s) => n + s[k], 0);
      const links = this.worker.linkStatus();
      const failing = Object.entries(links)
        .filter(([, l]) => l.lastErrorAt)
        .sort(([, a], [, b]) => (b.lastErrorAt ?? '').localeCompare(a.lastErrorAt ?? ''))[0];
      const lastSentAt = Object.values(links).reduce<string | null>((t, l) => (l.lastSentAt && (!t || l.lastSentAt > t) ? l.lastSentAt : t), null);
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
          lastError: failing ? `${failing[0]}: ${failing[1].lastErrorCode} — ${failing[1].lastError}` : null,
          lastErrorAt: failing ? failing[1].lastErrorAt : null,
          lastSentAt,
          links,
        },
      };
    });
  }
}
