import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
  Relation,
} from 'typeorm';
import { Area } from '../catalog/area.entity';
import { Category } from '../catalog/category.entity';
import { Citizen } from '../citizens/citizen.entity';
import { User } from '../users/user.entity';
import type { TicketChannel, TicketPriority } from './ticket-channel';
import type { TicketStatus } from './ticket-status';

/** A citizen report. Never hard-deleted. Its search vector is a generated column (see migrations). */
@Entity('tickets')
export class Ticket {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ type: 'varchar', length: 32, unique: true }) folio: string;
  @Column({ type: 'varchar', length: 300 }) subject: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'varchar', length: 20, default: 'new' }) status: TicketStatus;
  @Column({ type: 'varchar', length: 10, default: 'normal' }) priority: TicketPriority;
  @Column({ type: 'varchar', length: 20 }) channel: TicketChannel;

  @Column({ name: 'category_id', type: 'uuid', nullable: true }) categoryId: string | null;
  @ManyToOne(() => Category, { nullable: true })
  @JoinColumn({ name: 'category_id' })
  category?: Relation<Category> | null;
  @Column({ name: 'area_id', type: 'uuid', nullable: true }) areaId: string | null;
  @ManyToOne(() => Area, { nullable: true })
  @JoinColumn({ name: 'area_id' })
  area?: Relation<Area> | null;
  @Column({ name: 'assignee_id', type: 'uuid', nullable: true }) assigneeId: string | null;
  @ManyToOne(() => User, { nullable: true })
  @JoinColumn({ name: 'assignee_id' })
  assignee?: Relation<User> | null;
  @Column({ name: 'citizen_id', type: 'uuid', nullable: true }) citizenId: string | null;
  @ManyToOne(() => Citizen, { nullable: true })
  @JoinColumn({ name: 'citizen_id' })
  citizen?: Relation<Citizen> | null;

  @Column({ type: 'varchar', length: 500, nullable: true }) address: string | null;
  @Column({ type: 'varchar', length: 160, nullable: true }) colonia: string | null;
  @Column({ type: 'double precision', nullable: true }) latitude: number | null;
  @Column({ type: 'double precision', nullable: true }) longitude: number | null;
  @Column({ name: 'pole_id', type: 'varchar', length: 40, nullable: true }) poleId: string | null;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) tags: string[];

  @Column({ name: 'first_response_due_at', type: 'timestamptz', nullable: true })
  firstResponseDueAt: Date | null;
  @Column({ name: 'resolution_due_at', type: 'timestamptz', nullable: true })
  resolutionDueAt: Date | null;
  @Column({ name: 'first_responded_at', type: 'timestamptz', nullable: true })
  firstRespondedAt: Date | null;
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true }) resolvedAt: Date | null;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt: Date | null;
  @Column({ name: 'status_changed_at', type: 'timestamptz', default: () => 'now()' })
  statusChangedAt: Date;
  @Column({ name: 'reopened_count', type: 'int', default: 0 }) reopenedCount: number;
  @Column({ name: 'rejection_reason', type: 'varchar', length: 500, nullable: true })
  rejectionReason: string | null;

  @Column({ name: 'merged_into_id', type: 'bigint', nullable: true }) mergedIntoId: string | null;
  @Column({ name: 'linked_ticket_id', type: 'bigint', nullable: true }) linkedTicketId:
    string | null;
  @Column({ name: 'forwarded_by_id', type: 'uuid', nullable: true }) forwardedById: string | null;
  @Column({ name: 'created_by_id', type: 'uuid', nullable: true }) createdById: string | null;
  /** Random secret in the citizen's status link (/seguimiento/{folio}?token=…). */
  @Column({ name: 'public_token', type: 'varchar', length: 64, select: false }) publicToken: string;

  @VersionColumn() version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
