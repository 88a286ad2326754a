import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { UserRole } from './user-role';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email: string;
  @Column({ type: 'varchar', length: 160 }) name: string;
  @Column({ type: 'varchar', length: 20 }) role: UserRole;
  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash: string;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @Column({ name: 'area_id', type: 'uuid', nullable: true }) areaId: string | null;
  /** in every token; bumped to end the user's sessions (password/role change, deactivation, logout) */
  @Column({ name: 'token_version', type: 'int', default: 0, select: false }) tokenVersion: number;
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true }) lastLoginAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
