import { Module, OnModuleInit } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { NotificationsModule } from '../notifications/notifications.module';
import { OutboxService } from '../notifications/outbox.service';
import { OutboxPermanentError, OutboxTransports } from '../notifications/outbox-transports';
import { PersonalDataRegistry } from '../personal-data/personal-data-registry';
import { TicketsModule } from '../tickets/tickets.module';
import { ForwardedIntakeController } from './forwarded/forwarded-intake.controller';
import { ForwardedIntakeService, MAX_SCREENSHOTS } from './forwarded/forwarded-intake.service';
import { IntakeModule } from './intake.module';
import { ManualRepliesController } from './social-replies/manual-replies.controller';
import { SocialReplySender } from './social-replies/social-reply.sender';
import { SocialReplyService } from './social-replies/social-reply.service';
import { createSocialOutboxTransport } from './social-replies/social-outbox.transport';
import { MetaGraphClient } from './social/meta-graph.client';
import { socialEventsPersonalDataHandler } from './social/social-events-personal-data';
import { SocialEventQueue } from './social/social-event-queue.service';
import { SocialIntakeProcessor } from './social/social-intake.processor';
import { SocialWebhooksController } from './social/social-webhooks.controller';
import { TelegramClient } from './social/telegram.client';
import { SocialEventsAdminController } from './social/social-events-admin.controller';

/** Social intake: Meta and Telegram webhooks, press-office forwarding, replies back through the platforms. */
@Module({
  imports: [
    IntakeModule,
    TicketsModule,
    NotificationsModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.attachmentMaxBytes, files: MAX_SCREENSHOTS, fields: 20, fieldSize: 100_000, parts: 40 },
        // screenshots' names arrive as raw UTF-8 in filename="...": not busboy's default latin1 (see TicketsModule)
        defParamCharset: 'utf8',
      }),
    }),
  ],
  controllers: [SocialWebhooksController, ForwardedIntakeController, ManualRepliesController, SocialEventsAdminController],
  providers: [
    MetaGraphClient,
    TelegramClient,
    SocialIntakeProcessor,
    SocialEventQueue,
    ForwardedIntakeService,
    SocialReplyService,
    SocialReplySender,
  ],
  exports: [SocialEventQueue, SocialReplyService, SocialReplySender, MetaGraphClient, TelegramClient],
})
export class SocialIntakeModule implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly replies: SocialReplyService,
    private readonly sender: SocialReplySender,
    private readonly outbox: OutboxService,
    private readonly transports: OutboxTransports,
    registry: PersonalDataRegistry,
  ) {
    registry.register(socialEventsPersonalDataHandler);
  }

  /**
   * Platform replies go through the generic outbox (retries, backoff, delivery state on the
   * thread message). A platform without credentials gets no transport: its rows stay queued,
   * visible, until it is configured.
   */
  onModuleInit(): void {
    this.replies.setQueue({
      enqueue: async (manager, payload, kind = 'reply') => {
        await this.outbox.enqueue(manager, {
          channel: payload.channel,
          kind,
          recipient: payload.recipientId,
          payload: { ...payload },
          ticketId: payload.ticketId,
          messageId: payload.messageId,
        });
      },
    });
    const transport = createSocialOutboxTransport(this.sender, (message) => new OutboxPermanentError(message));
    if (this.config.meta.accessToken) for (const channel of ['messenger', 'instagram', 'whatsapp']) this.transports.register(channel, transport);
    if (this.config.telegram.botToken) this.transports.register('telegram', transport);
  }
}
