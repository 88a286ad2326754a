import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const PRIVACY_NOTICE_KINDS = ['simplificado', 'integral'] as const;
export type PrivacyNoticeKind = (typeof PRIVACY_NOTICE_KINDS)[number];

/** The text of one version of the privacy notice (aviso de privacidad), editable by admins. */
@Entity('privacy_notices')
export class PrivacyNotice {
  @PrimaryColumn({ type: 'varchar', length: 20 }) kind: PrivacyNoticeKind;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'updated_by_id', type: 'uuid', nullable: true }) updatedById: string | null;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
