import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per app instance (not prom-client's global one, so two apps in one
 * test process don't collide). Modules create their metrics here and update them.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly collectors: Array<() => Promise<void>> = [];
  /** the collection under way: scrapes arriving meanwhile share it (a flood costs one at a time) */
  private collecting: Promise<void> | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'enlace_' });
  }

  counter<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<T>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Gauge<T> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<T>;
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<T extends string>(name: string, help: string, labelNames: readonly T[] = [], buckets?: number[]): Histogram<T> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Histogram<T>;
    return new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) });
  }

  /** Runs before each scrape, e.g. to refresh gauges from the database. */
  onCollect(fn: () => Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    this.collecting ??= Promise.all(this.collectors.map((fn) => fn().catch(() => undefined)))
      .then(() => undefined)
      .finally(() => {
        this.collecting = null;
      });
    await this.collecting;
    return this.registry.metrics();
  }
}
