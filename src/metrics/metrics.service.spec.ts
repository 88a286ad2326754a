import { MetricsService } from './metrics.service';

describe('MetricsService', () => {
  it('runs one collection for scrapes that arrive while one is under way (a flood costs one at a time)', async () => {
    const metrics = new MetricsService();
    let runs = 0;
    let release!: () => void;
    metrics.onCollect(async () => {
      runs++;
      await new Promise<void>((r) => (release = r));
    });
    const scrapes = Array.from({ length: 10 }, () => metrics.render());
    await new Promise((r) => setImmediate(r));
    release();
    const texts = await Promise.all(scrapes);
    expect(runs).toBe(1);
    expect(texts.every((t) => t.includes('enlace_process_cpu_seconds_total'))).toBe(true);
    // the next scrape collects afresh
    const next = metrics.render();
    await new Promise((r) => setImmediate(r));
    release();
    await next;
    expect(runs).toBe(2);
  });
});
