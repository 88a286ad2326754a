import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Relation,
} from 'typeorm';
import { Citizen } from './citizen.entity';
import type { IdentityKind } from './identity-kind';

/** One way to reach a citizen: an email, an E.164 phone, or a platform user id. */
@Entity('citizen_identities')
@Index('uq_citizen_identities_kind_value', ['kind', 'value'], { unique: true })
export class CitizenIdentity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'citizen_id', type: 'uuid' }) citizenId: string;
  @ManyToOne(() => Citizen, (c) => c.identities, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'citizen_id' })
  citizen?: Relation<Citizen>;
  @Column({ type: 'varchar', length: 20 }) kind: IdentityKind;
  @Column({ type: 'varchar', length: 320 }) value: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) handle: string | null;
  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true }) displayName:
    string | null;
  @Column({ type: 'boolean', default: false }) undeliverable: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
