import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Message } from './message.entity';
import type { Ticket } from './ticket.entity';
import type { TicketStatus } from './ticket-status';

/**
 * Something happened to a ticket inside a database transaction. Listeners (e.g. outbound
 * notifications) write their own rows with the same `manager`, so the effect commits or rolls
 * back together with the change that caused it.
 */
export type TicketChange =
  | { type: 'created'; ticket: Ticket; message: Message | null; automated: boolean }
  | { type: 'citizen_message'; ticket: Ticket; message: Message; automated: boolean }
  | {
      type: 'status_changed';
      ticket: Ticket;
      from: TicketStatus;
      to: TicketStatus;
      reason: string | null;
      publicMessage: Message | null;
      notifyCitizen: boolean;
      actorUserId: string | null;
    }
  | { type: 'reply'; ticket: Ticket; message: Message; notifyCitizen: boolean };

export interface TicketChangeListener {
  onTicketChange(manager: EntityManager, change: TicketChange): Promise<void>;
}

@Injectable()
export class TicketHooks {
  private readonly logger = new Logger(TicketHooks.name);
  private readonly listeners: TicketChangeListener[] = [];

  register(listener: TicketChangeListener): void {
    this.listeners.push(listener);
  }

  async emit(manager: EntityManager, change: TicketChange): Promise<void> {
    for (const listener of this.listeners) {
      await listener.onTicketChange(manager, change);
    }
  }
}
