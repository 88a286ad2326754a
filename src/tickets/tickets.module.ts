import { forwardRef, Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IntakeModule } from '../intake/intake.module';
import { Attachment } from './attachment.entity';
import { AttachmentsController } from './attachments.controller';
import { Message } from './message.entity';
import { TicketEvent } from './ticket-event.entity';
import { TicketHooks } from './ticket-hooks';
import { TicketListService } from './ticket-list.service';
import { MAX_STAFF_FILES, TicketWorkflowService } from './ticket-workflow.service';
import { Ticket } from './ticket.entity';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Ticket, Message, Attachment, TicketEvent]),
    forwardRef(() => IntakeModule),
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.attachmentMaxBytes, files: MAX_STAFF_FILES, fields: 5, fieldSize: 100_000, parts: 12 },
        // browsers send a file's name as raw UTF-8 in filename="..."; busboy reads it as latin1 by default
        // ('señal.png' became 'seÃ±al.png'); a filename*=charset'' parameter still names its own charset
        defParamCharset: 'utf8',
      }),
    }),
  ],
  controllers: [TicketsController, AttachmentsController],
  providers: [TicketsService, TicketListService, TicketWorkflowService, TicketHooks],
  exports: [TicketsService, TicketWorkflowService, TicketHooks],
})
export class TicketsModule {}
