import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { SUPERVISOR_ROLES } from '../users/user-role';
import { AnonymisationService } from './anonymisation.service';
import { AccessTrailService } from './access-trail.service';
import { AccessLogQuery, AnonymiseCitizenDto } from './dto/personal-data.dto';
import { PersonalDataExportService } from './personal-data-export.service';
import { RecordPersonalDataAccess, theCitizen } from './record-personal-data-access';
import { RetentionService } from './retention.service';

/** ARCO requests on one citizen (admin, supervisor). */
@ApiTags('citizens')
@ApiBearerAuth()
@Controller('citizens')
export class ArcoController {
  constructor(
    private readonly exporter: PersonalDataExportService,
    private readonly anonymisation: AnonymisationService,
  ) {}

  @Get(':id/export') @Roles(...SUPERVISOR_ROLES)
  @RecordPersonalDataAccess('export', theCitizen)
  export(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.exporter.export(id);
  }

  /** Irreversible. */
  @Post(':id/anonymise') @Roles(...SUPERVISOR_ROLES) @HttpCode(200)
  @RecordPersonalDataAccess('anonymise', theCitizen)
  anonymise(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: AnonymiseCitizenDto, @CurrentUser() user: AuthenticatedUser) {
    return this.anonymisation.anonymise(id, { reason: dto.reason, actorUserId: user.id });
  }
}

/** Access trail and retention (admin). */
@ApiTags('personal-data')
@ApiBearerAuth()
@Controller('personal-data')
export class PersonalDataController {
  constructor(
    private readonly trail: AccessTrailService,
    private readonly retention: RetentionService,
  ) {}

  @Get('access-log') @Roles('admin')
  accessLog(@Query() query: AccessLogQuery) {
    return this.trail.list(query);
  }

  /** Dry run: who the retention job would anonymise now. */
  @Get('retention') @Roles('admin')
  retentionDryRun() {
    return this.retention.dryRun();
  }

  @Post('retention/run') @Roles('admin') @HttpCode(200)
  retentionRun() {
    return this.retention.run();
  }
}
