import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  Relation,
} from 'typeorm';
import { Area } from './area.entity';

/** A kind of report (Bache, Luminaria apagada…) mapped to its area and service-level targets. */
@Entity('categories')
export class Category {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 60, unique: true }) code: string;
  @Column({ type: 'varchar', length: 160 }) name: string;
  @Column({ name: 'area_id', type: 'uuid', nullable: true }) areaId: string | null;
  @ManyToOne(() => Area, { nullable: true })
  @JoinColumn({ name: 'area_id' })
  area?: Relation<Area> | null;
  @Column({ name: 'accept_days', type: 'int', default: 1 }) acceptDays: number;
  @Column({ name: 'first_response_days', type: 'int', default: 5 }) firstResponseDays: number;
  @Column({ name: 'resolution_days', type: 'int', default: 40 }) resolutionDays: number;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
