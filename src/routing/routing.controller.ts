import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { STAFF_ROLES, SUPERVISOR_ROLES } from '../users/user-role';
import { DuplicateFinderService } from './duplicate-finder.service';
import { CreateRoutingRuleDto, TryRoutingDto, UpdateRoutingRuleDto } from './dto/routing-rule.dto';
import { RoutingRulesService } from './routing-rules.service';

@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing-rules')
export class RoutingRulesController {
  constructor(private readonly rules: RoutingRulesService) {}

  @Get() @Roles(...SUPERVISOR_ROLES)
  list() {
    return this.rules.list();
  }

  @Post() @Roles('admin')
  create(@Body() dto: CreateRoutingRuleDto) {
    return this.rules.create(dto);
  }

  @Patch(':id') @Roles('admin')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateRoutingRuleDto) {
    return this.rules.update(id, dto);
  }

  /** Dry run: what the current rules suggest for a text. */
  @Post('try') @Roles(...SUPERVISOR_ROLES) @HttpCode(200)
  try(@Body() dto: TryRoutingDto) {
    return this.rules.tryText(dto.text);
  }
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketDuplicatesController {
  constructor(private readonly duplicates: DuplicateFinderService) {}

  /** Open tickets of the same category and colonia with very similar text (merge candidates). */
  @Get(':folio/duplicates') @Roles(...STAFF_ROLES)
  list(@Param('folio') folio: string, @CurrentUser() user: AuthenticatedUser) {
    return this.duplicates.forFolio(folio, user);
  }
}
