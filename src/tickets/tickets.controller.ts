import { Body, Controller, Get, Headers, HttpCode, Param, Patch, Post, Query, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { checkIdempotencyKey } from '../common/idempotency-key';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiHeader, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { IntakeService } from '../intake/intake.service';
import { AccessRecorder, AccessTrail } from '../personal-data/access-recorder';
import { citizenOfTicket, RecordPersonalDataAccess } from '../personal-data/record-personal-data-access';
import { ALL_ROLES, STAFF_ROLES, SUPERVISOR_ROLES } from '../users/user-role';
import { AssignDto, AttachFilesDto, CreateTicketDto, ListTicketsQuery, MergeTicketDto, NoteDto, ReplyDto, TransitionDto, UpdateTicketDto } from './dto/ticket.dto';
import { TicketListService } from './ticket-list.service';
import { MAX_STAFF_FILES, type StaffUpload, TicketWorkflowService } from './ticket-workflow.service';
import { TicketsService } from './tickets.service';

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('tickets')
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly list: TicketListService,
    private readonly workflow: TicketWorkflowService,
    private readonly intake: IntakeService,
  ) {}

  @Get() @Roles(...ALL_ROLES)
  find(@Query() query: ListTicketsQuery, @CurrentUser() user: AuthenticatedUser) {
    return this.list.list(query, user);
  }

  /** Staff capture (phone, walk-in). `Idempotency-Key` makes a retried POST return the same ticket. */
  @Post() @Roles(...STAFF_ROLES)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async create(@Body() dto: CreateTicketDto, @CurrentUser() user: AuthenticatedUser, @Headers('idempotency-key') key?: string) {
    checkIdempotencyKey(key);
    const result = await this.intake.captureByStaff(dto, user, key ? `${user.id}:${key}` : randomUUID());
    return this.tickets.detail(result.folio, user);
  }

  @Get(':folio') @Roles(...ALL_ROLES)
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  get(@Param('folio') folio: string, @CurrentUser() user: AuthenticatedUser, @AccessTrail() trail?: AccessRecorder) {
    // the trail row is written side by side with the thread reads, once the ticket is known to be readable
    return this.tickets.detail(folio, user, trail && ((t) => trail.record(t.citizenId ? [{ citizenId: t.citizenId, folio: t.folio }] : [])));
  }

  @Patch(':folio') @Roles(...STAFF_ROLES)
  update(@Param('folio') folio: string, @Body() dto: UpdateTicketDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.update(folio, dto, user);
  }

  @Post(':folio/transitions') @Roles(...STAFF_ROLES) @HttpCode(200)
  transition(@Param('folio') folio: string, @Body() dto: TransitionDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.transition(folio, dto, user);
  }

  /** Photos or PDF documents (up to 5, each up to ATTACHMENT_MAX_BYTES), as an internal note; answers the ticket detail. */
  @Post(':folio/attachments') @Roles(...STAFF_ROLES)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FilesInterceptor('files', MAX_STAFF_FILES))
  attach(@Param('folio') folio: string, @Body() dto: AttachFilesDto, @UploadedFiles() files: StaffUpload[] | undefined, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.attachFiles(folio, files ?? [], dto.note, user);
  }

  @Post(':folio/notes') @Roles(...STAFF_ROLES)
  note(@Param('folio') folio: string, @Body() dto: NoteDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.addNote(folio, dto.body, user);
  }

  /**
   * Reply to the citizen (by email, or the platform the report came from); `notifyCitizen: false`
   * only records it. `Idempotency-Key`: a retried POST (a double click, a proxy's retry) answers
   * with the reply already made instead of sending the citizen the same text twice.
   */
  @Post(':folio/replies') @Roles(...STAFF_ROLES)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  reply(@Param('folio') folio: string, @Body() dto: ReplyDto, @CurrentUser() user: AuthenticatedUser, @Headers('idempotency-key') key?: string) {
    checkIdempotencyKey(key);
    return this.workflow.reply(folio, dto, user, key);
  }

  @Post(':folio/assign') @Roles(...STAFF_ROLES) @HttpCode(200)
  assign(@Param('folio') folio: string, @Body() dto: AssignDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.assign(folio, dto, user);
  }

  @Post(':folio/merge') @Roles(...SUPERVISOR_ROLES) @HttpCode(200)
  merge(@Param('folio') folio: string, @Body() dto: MergeTicketDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.merge(folio, dto, user);
  }
}
