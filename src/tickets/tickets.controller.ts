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

/** Records the ticket's citizen on the access trail side by side with the detail's thread reads. */
const recordAlongside =
  (trail: AccessRecorder) =>
  (t: { folio: string; citizenId: string | null }): Promise<void> =>
    trail.record(t.citizenId ? [{ citizenId: t.citizenId, folio: t.folio }] : []);

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

  /**
   * Staff capture (phone, walk-in). `Idempotency-Key` makes a retried POST return the same ticket.
   * Answers the ticket detail: when the contact given is a known citizen's, that shows what else is
   * held on them (their other identities), so the read goes on the access trail.
   */
  @Post() @Roles(...STAFF_ROLES)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  async create(
    @Body() dto: CreateTicketDto,
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') key?: string,
    @AccessTrail() trail?: AccessRecorder,
  ) {
    checkIdempotencyKey(key);
    const result = await this.intake.captureByStaff(dto, user, key ? `${user.id}:${key}` : randomUUID());
    return this.tickets.detail(result.folio, user, trail && recordAlongside(trail));
  }

  @Get(':folio') @Roles(...ALL_ROLES)
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  get(@Param('folio') folio: string, @CurrentUser() user: AuthenticatedUser, @AccessTrail() trail?: AccessRecorder) {
    // the trail row is written side by side with the thread reads, once the ticket is known to be readable
    return this.tickets.detail(folio, user, trail && recordAlongside(trail));
  }

  // The routes below answer the ticket detail (citizen with identities, thread) after their change:
  // the trail row is written by the interceptor once the handler returns (one single-row INSERT).

  @Patch(':folio') @Roles(...STAFF_ROLES)
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  update(@Param('folio') folio: string, @Body() dto: UpdateTicketDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.update(folio, dto, user);
  }

  @Post(':folio/transitions') @Roles(...STAFF_ROLES) @HttpCode(200)
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  transition(@Param('folio') folio: string, @Body() dto: TransitionDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.transition(folio, dto, user);
  }

  /** Photos or PDF documents (up to 5, each up to ATTACHMENT_MAX_BYTES), as an internal note; answers the ticket detail. */
  @Post(':folio/attachments') @Roles(...STAFF_ROLES)
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FilesInterceptor('files', MAX_STAFF_FILES))
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
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
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  assign(@Param('folio') folio: string, @Body() dto: AssignDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.assign(folio, dto, user);
  }

  @Post(':folio/merge') @Roles(...SUPERVISOR_ROLES) @HttpCode(200)
  @RecordPersonalDataAccess('ticket_detail', citizenOfTicket)
  merge(@Param('folio') folio: string, @Body() dto: MergeTicketDto, @CurrentUser() user: AuthenticatedUser) {
    return this.workflow.merge(folio, dto, user);
  }
}
