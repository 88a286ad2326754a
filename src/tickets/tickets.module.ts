import { forwardRef, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IntakeModule } from '../intake/intake.module';
import { Attachment } from './attachment.entity';
import { AttachmentsController } from './attachments.controller';
import { Message } from './message.entity';
import { TicketEvent } from './ticket-event.entity';
import { TicketHooks } from './ticket-hooks';
import { TicketListService } from './ticket-list.service';
import { TicketWorkflowService } from './ticket-workflow.service';
import { Ticket } from './ticket.entity';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

@Module({
  imports: [TypeOrmModule.forFeature([Ticket, Message, Attachment, TicketEvent]), forwardRef(() => IntakeModule)],
  controllers: [TicketsController, AttachmentsController],
  providers: [TicketsService, TicketListService, TicketWorkflowService, TicketHooks],
  exports: [TicketsService, TicketWorkflowService, TicketHooks],
})
export class TicketsModule {}
