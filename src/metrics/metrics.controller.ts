import { Controller, Get, Header, Headers, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/roles.decorator';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Prometheus scrape endpoint at /metrics (outside /api/v1). With METRICS_TOKEN set it asks for
 * that bearer token; without, restrict it at the network edge.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get() @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  scrape(@Headers('authorization') authorization?: string) {
    const token = this.config.metricsToken;
    if (token) {
      const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
      // compared as digests: constant time whatever the length given
      if (!timingSafeEqual(digest(given), digest(token))) throw new UnauthorizedException('A valid metrics token is required');
    }
    return this.metrics.render();
  }
}
