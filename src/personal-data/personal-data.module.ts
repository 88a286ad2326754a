import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessTrailService } from './access-trail.service';
import { AnonymisationService } from './anonymisation.service';
import { PersonalDataAccess } from './personal-data-access.entity';
import { PersonalDataExportService } from './personal-data-export.service';
import { PersonalDataRegistry } from './personal-data-registry';
import { ArcoController, PersonalDataController } from './personal-data.controller';
import { RetentionService } from './retention.service';

/**
 * ARCO export and anonymisation, retention, and the access trail. Global so any module can
 * inject PersonalDataRegistry and register the tables it owns.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PersonalDataAccess])],
  controllers: [ArcoController, PersonalDataController],
  providers: [
    PersonalDataRegistry,
    AnonymisationService,
    PersonalDataExportService,
    AccessTrailService,
    RetentionService,
  ],
  exports: [PersonalDataRegistry, AnonymisationService, AccessTrailService],
})
export class PersonalDataModule {}
