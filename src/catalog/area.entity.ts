import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/** A municipal area a ticket is turned over to ("turnado"), e.g. Alumbrado Público. */
@Entity('areas')
export class Area {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 60, unique: true }) code: string;
  @Column({ type: 'varchar', length: 160 }) name: string;
  @Column({ name: 'supervisor_email', type: 'varchar', length: 254, nullable: true })
  supervisorEmail: string | null;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
