import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { eachCitizen, RecordPersonalDataAccess, theCitizen } from '../personal-data/record-personal-data-access';
import { STAFF_ROLES } from '../users/user-role';
import { CitizensService } from './citizens.service';
import { ListCitizensQuery, MergeCitizenDto, UpdateCitizenDto } from './dto/citizen.dto';

@ApiTags('citizens')
@ApiBearerAuth()
@Controller('citizens')
export class CitizensController {
  constructor(private readonly citizens: CitizensService) {}

  @Get() @Roles(...STAFF_ROLES)
  @RecordPersonalDataAccess('citizen_list', eachCitizen)
  list(@Query() query: ListCitizensQuery) {
    return this.citizens.list(query);
  }

  @Get(':id') @Roles(...STAFF_ROLES)
  @RecordPersonalDataAccess('citizen_detail', theCitizen)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.citizens.get(id);
  }

  /**
   * Rectification. Listing an email confirms it (its undeliverable mark goes). Mail still queued to
   * a removed email goes to the citizen's current address, or is not sent ("address rectified" on
   * the thread) when none is left; tickets whose status link a removed email received get a new one.
   */
  @Patch(':id') @Roles(...STAFF_ROLES)
  @RecordPersonalDataAccess('citizen_detail', theCitizen) // answers the citizen's detail: name, identities, tickets
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateCitizenDto, @CurrentUser() user: AuthenticatedUser) {
    return this.citizens.update(id, dto, user);
  }

  /** Answers the detail of the record kept (`intoCitizenId`). */
  @Post(':id/merge') @Roles(...STAFF_ROLES) @HttpCode(200)
  @RecordPersonalDataAccess('citizen_detail', theCitizen)
  merge(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: MergeCitizenDto) {
    return this.citizens.merge(id, dto.intoCitizenId);
  }
}
