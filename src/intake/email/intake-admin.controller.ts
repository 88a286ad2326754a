import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../../auth/authenticated-user';
import { Roles } from '../../auth/roles.decorator';
import { ListFailuresQuery, ListIntakeLogQuery } from './dto/intake-admin.dto';
import { IntakeAdminService } from './intake-admin.service';

@ApiTags('intake')
@ApiBearerAuth()
@Controller('intake')
export class IntakeAdminController {
  constructor(private readonly admin: IntakeAdminService) {}

  /** Mail that could not be processed (quarantined in the failed folder), newest first. */
  @Get('failures') @Roles('admin')
  failures(@Query() query: ListFailuresQuery) {
    return this.admin.failures(query);
  }

  /** Process a quarantined mail again (e.g. after a fix); answers the failure with its new state. */
  @Post('failures/:id/retry') @Roles('admin') @HttpCode(200)
  retry(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthenticatedUser) {
    return this.admin.retry(id, user);
  }

  /** Every arrival and what was decided about it (tickets, threads, bounces, auto-replies, duplicates). */
  @Get('log') @Roles('admin')
  log(@Query() query: ListIntakeLogQuery) {
    return this.admin.log(query);
  }
}
