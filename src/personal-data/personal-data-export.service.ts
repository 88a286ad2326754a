import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Citizen } from '../citizens/citizen.entity';
import { DomainError, notFound } from '../common/domain-error';
import { PersonalDataRegistry } from './personal-data-registry';
import { loadPersonalDataSubject } from './personal-data-subject';

/** ARCO access: everything held on one citizen, as JSON, from every registered handler. */
@Injectable()
export class PersonalDataExportService {
  private readonly logger = new Logger(PersonalDataExportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: PersonalDataRegistry,
  ) {}

  async export(citizenId: string): Promise<Record<string, unknown>> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const citizen = await manager.findOne(Citizen, { where: { id: citizenId } });
      if (!citizen) throw notFound('Citizen');
      if (citizen.mergedIntoId) throw new DomainError('CONFLICT', `Citizen was merged into ${citizen.mergedIntoId}: export that record`);
      const subject = await loadPersonalDataSubject(manager, citizenId);
      const out: Record<string, unknown> = { exportedAt: new Date().toISOString(), citizenId };
      for (const handler of this.registry.all()) {
        if (handler.export) Object.assign(out, await handler.export(manager, subject));
      }
      this.logger.log({ citizenId }, 'personal data exported');
      return out;
    });
  }
}
