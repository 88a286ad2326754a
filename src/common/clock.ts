import { Injectable } from '@nestjs/common';

/**
 * The time source of jobs and workflow stamps. Inject it instead of calling `new Date()` where a
 * test needs to move time (overdue and auto-close jobs); tests replace `now` on the instance.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
