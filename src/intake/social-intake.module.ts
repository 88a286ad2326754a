import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { TicketsModule } from '../tickets/tickets.module';
import { ForwardedIntakeController } from './forwarded/forwarded-intake.controller';
import { ForwardedIntakeService, MAX_SCREENSHOTS } from './forwarded/forwarded-intake.service';
import { IntakeModule } from './intake.module';
import { ManualRepliesController } from './social-replies/manual-replies.controller';
import { SocialReplySender } from './social-replies/social-reply.sender';
import { SocialReplyService } from './social-replies/social-reply.service';
import { MetaGraphClient } from './social/meta-graph.client';
import { SocialEventQueue } from './social/social-event-queue.service';
import { SocialIntakeProcessor } from './social/social-intake.processor';
import { SocialWebhooksController } from './social/social-webhooks.controller';
import { TelegramClient } from './social/telegram.client';

/** Social intake: Meta and Telegram webhooks, press-office forwarding, replies back through the platforms. */
@Module({
  imports: [
    IntakeModule,
    TicketsModule,
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.attachmentMaxBytes, files: MAX_SCREENSHOTS, fields: 20, fieldSize: 100_000, parts: 40 },
      }),
    }),
  ],
  controllers: [SocialWebhooksController, ForwardedIntakeController, ManualRepliesController],
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
export class SocialIntakeModule {}
