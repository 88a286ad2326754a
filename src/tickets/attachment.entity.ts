import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
} from 'typeorm';
import { Message } from './message.entity';

/** A file that came with a message. Content is kept in the database (transactional with the message). */
@Entity('attachments')
export class Attachment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'message_id', type: 'bigint' }) messageId: string;
  @ManyToOne(() => Message, (m) => m.attachments)
  @JoinColumn({ name: 'message_id' })
  message?: Relation<Message>;
  @Column({ type: 'varchar', length: 255 }) filename: string;
  @Column({ name: 'content_type', type: 'varchar', length: 127 }) contentType: string;
  @Column({ name: 'size_bytes', type: 'bigint' }) sizeBytes: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) sha256: string | null;
  @Column({ type: 'bytea', nullable: true, select: false }) content: Buffer | null;
  @Column({ type: 'boolean', default: false }) omitted: boolean;
  @Column({ name: 'omitted_reason', type: 'varchar', length: 200, nullable: true }) omittedReason:
    string | null;
  @Column({ type: 'boolean', default: false }) inline: boolean;
  /** Content-ID of an inline image (no angle brackets): the message's HTML names it as `cid:…` */
  @Column({ name: 'content_id', type: 'varchar', length: 255, nullable: true }) contentId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
