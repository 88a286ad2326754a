import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  Relation,
} from 'typeorm';
import { Attachment } from './attachment.entity';
import { Ticket } from './ticket.entity';

export type MessageDirection = 'inbound' | 'outbound' | 'note';
export type DeliveryState = 'queued' | 'sent' | 'failed';

/** One entry of a ticket's thread. (channel, external_id) is unique: the same delivery never lands twice. */
@Entity('messages')
@Index('uq_messages_channel_external_id', ['channel', 'externalId'], {
  unique: true,
  where: 'external_id IS NOT NULL',
})
export class Message {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'ticket_id', type: 'bigint' }) ticketId: string;
  @ManyToOne(() => Ticket) @JoinColumn({ name: 'ticket_id' }) ticket?: Relation<Ticket>;
  @Column({ type: 'varchar', length: 10 }) direction: MessageDirection;
  @Column({ type: 'varchar', length: 20 }) channel: string;
  @Column({ name: 'author_user_id', type: 'uuid', nullable: true }) authorUserId: string | null;
  @Column({ name: 'author_citizen_id', type: 'uuid', nullable: true }) authorCitizenId:
    string | null;
  @Column({ name: 'author_name', type: 'varchar', length: 200, nullable: true }) authorName:
    string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) subject: string | null;
  @Column({ name: 'body_text', type: 'text', default: '' }) bodyText: string;
  @Column({ name: 'body_html', type: 'text', nullable: true }) bodyHtml: string | null;
  @Column({ name: 'body_new', type: 'text', nullable: true }) bodyNew: string | null;
  @Column({ name: 'external_id', type: 'varchar', length: 998, nullable: true }) externalId:
    string | null;
  @Column({ type: 'boolean', default: true }) public: boolean;
  @Column({ name: 'delivery_state', type: 'varchar', length: 10, nullable: true })
  deliveryState: DeliveryState | null;
  @Column({ name: 'delivery_attempts', type: 'int', default: 0 }) deliveryAttempts: number;
  @Column({ name: 'delivery_error', type: 'text', nullable: true }) deliveryError: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'" }) meta: Record<string, unknown>;
  @OneToMany(() => Attachment, (a) => a.message) attachments?: Relation<Attachment[]>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
