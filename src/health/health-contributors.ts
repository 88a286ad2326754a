import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

type Check = () => Promise<HealthIndicatorResult> | HealthIndicatorResult;

/** Other modules (mailbox reader, outbox) add their own readiness details here. */
@Injectable()
export class HealthContributors {
  private readonly list: Check[] = [];

  register(check: Check): void {
    this.list.push(check);
  }

  checks(): Check[] {
    return [...this.list];
  }
}
