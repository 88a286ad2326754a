import { Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TicketsModule } from '../tickets/tickets.module';
import { EmailNotifier } from './email/email-notifier';
import { EmailTemplates } from './email/email-templates';
import { EmailTransport } from './email/email-transport';
import { SmtpClient } from './email/smtp-client';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { OutboxMonitor } from './outbox-monitor';
import { outboxPersonalDataHandler } from './outbox-personal-data';
import { OutboxService } from './outbox.service';
import { OutboxTransports } from './outbox-transports';
import { OutboxWorker } from './outbox-worker';

/**
 * Outbound notifications: the outbox (table, worker, transports registry) and citizen emails.
 * Other channels register their transport with `OutboxTransports` and enqueue with `OutboxService`.
 */
@Module({
  imports: [TicketsModule],
  providers: [
    OutboxTransports,
    OutboxService,
    OutboxWorker,
    OutboxMonitor,
    SmtpClient,
    { provide: EmailTemplates, useFactory: () => EmailTemplates.load() },
    EmailNotifier,
  ],
  exports: [OutboxTransports, OutboxService],
})
export class NotificationsModule implements OnModuleInit {
  constructor(
    private readonly transports: OutboxTransports,
    private readonly smtp: SmtpClient,
    private readonly config: AppConfig,
    registry: PersonalDataRegistry,
  ) {
    registry.register(outboxPersonalDataHandler);
  }

  onModuleInit(): void {
    // without SMTP_HOST no email transport: email rows stay queued, visible, until SMTP is configured
    if (this.smtp.enabled)
      this.transports.register('email', new EmailTransport(this.smtp, this.config));
  }
}
