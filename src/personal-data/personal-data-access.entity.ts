import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type PersonalDataAccessAction = 'ticket_detail' | 'citizen_detail' | 'citizen_list' | 'export' | 'anonymise';

/** Access trail: which staff user read which citizen's personal data, when, and through what. */
@Entity('personal_data_access')
export class PersonalDataAccess {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' }) id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'citizen_id', type: 'uuid' }) citizenId: string;
  @Column({ type: 'varchar', length: 30 }) action: PersonalDataAccessAction;
  @Column({ type: 'varchar', length: 32, nullable: true }) folio: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true }) requestId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
