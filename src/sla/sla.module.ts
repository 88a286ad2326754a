import { Module } from '@nestjs/common';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { TicketsModule } from '../tickets/tickets.module';
import { SlaJobsService } from './sla-jobs.service';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutboxSupervisorNotifier } from './outbox-supervisor-notifier';
import { SupervisorNotifier } from './supervisor-notifier';
import { RejectionDisputeListener } from './rejection-dispute.listener';

/**
 * Service levels: overdue notices to area supervisors and auto-close of resolved tickets.
 * Overdue notices go to the area supervisor by email through the outbox (OutboxSupervisorNotifier),
 * as does the notice that a citizen answered a rejected report (RejectionDisputeListener).
 */
@Module({
  imports: [TicketsModule, NotificationsModule],
  providers: [SlaJobsService, RejectionDisputeListener, { provide: SupervisorNotifier, useClass: OutboxSupervisorNotifier }],
  exports: [SlaJobsService, SupervisorNotifier],
})
export class SlaModule {
  constructor(registry: PersonalDataRegistry) {
    registry.declareFreeOfPersonalData(['sla_notifications'], 'ticket ids, targets and the area supervisor’s address; nothing about citizens');
  }
}
