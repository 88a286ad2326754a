import { Module } from '@nestjs/common';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { TicketsModule } from '../tickets/tickets.module';
import { SlaJobsService } from './sla-jobs.service';
import { LoggingSupervisorNotifier, SupervisorNotifier } from './supervisor-notifier';

/**
 * Service levels: overdue notices to area supervisors and auto-close of resolved tickets.
 * At merge, provide `SupervisorNotifier` with an implementation that enqueues the email in the outbox.
 */
@Module({
  imports: [TicketsModule],
  providers: [SlaJobsService, { provide: SupervisorNotifier, useClass: LoggingSupervisorNotifier }],
  exports: [SlaJobsService, SupervisorNotifier],
})
export class SlaModule {
  constructor(registry: PersonalDataRegistry) {
    registry.declareFreeOfPersonalData(['sla_notifications'], 'ticket ids, targets and the area supervisor’s address; nothing about citizens');
  }
}
