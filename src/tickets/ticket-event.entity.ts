import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Known event types; modules may add their own. */
export type TicketEventType =
  | 'created'
  | 'status_changed'
  | 'assigned'
  | 'updated'
  | 'note_added'
  | 'message_received'
  | 'merged'
  | 'merged_from'
  | 'unmerged'
  | 'unmerged_from'
  | 'reopened'
  | 'linked'
  | 'replied'
  | 'rejection_disputed';

/** The audit trail: who did what to a ticket, when, from what to what, and why. Append-only. */
@Entity('ticket_events')
export class TicketEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'ticket_id', type: 'bigint' }) ticketId: string;
  @Column({ type: 'varchar', length: 40 }) type: string;
  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ name: 'actor_kind', type: 'varchar', length: 10, default: 'user' }) actorKind:
    'user' | 'citizen' | 'system';
  @Column({ name: 'from_status', type: 'varchar', length: 20, nullable: true }) fromStatus:
    string | null;
  @Column({ name: 'to_status', type: 'varchar', length: 20, nullable: true }) toStatus:
    string | null;
  @Column({ type: 'varchar', length: 1000, nullable: true }) reason: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) data: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
