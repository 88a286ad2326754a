import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/roles.decorator';
import { HealthContributors } from './health-contributors';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly contributors: HealthContributors,
  ) {}

  /** The process is up (no dependency checked). */
  @Get('live') @Public()
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: the database answers; other components (mailbox, outbox) report details. */
  @Get('ready') @Public() @HealthCheck()
  ready() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1500 }), ...this.contributors.checks()]);
  }
}
