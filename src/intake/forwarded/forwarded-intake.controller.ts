import { Body, Controller, Get, Headers, HttpStatus, Post, Query, Res, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { checkIdempotencyKey } from '../../common/idempotency-key';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthenticatedUser, CurrentUser } from '../../auth/authenticated-user';
import { Roles } from '../../auth/roles.decorator';
import { ForwardMessageDto, ListForwardedQuery } from './forwarded.dto';
import { ForwardedIntakeService, MAX_SCREENSHOTS } from './forwarded-intake.service';
import type { UploadedImage } from './uploaded-file';

/**
 * Press-office forwarding. `press` forwards (SPEC §1); `admin` may do everything. Supervisors and
 * agents capture reports with POST /tickets instead, so they get 403 here.
 */
@ApiTags('intake')
@ApiBearerAuth()
@Controller('intake/forwarded')
export class ForwardedIntakeController {
  constructor(private readonly forwarded: ForwardedIntakeService) {}

  @Post() @Roles('press', 'admin')
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'optional; a retry — or the same message forwarded by a colleague — returns the ticket already made whether or not it is sent',
  })
  @ApiResponse({ status: 201, description: 'a new report: its ticket (press view), `duplicate: false`' })
  @ApiResponse({ status: 200, description: 'the same message was forwarded before (a retry, or a colleague): the ticket it made, `duplicate: true`' })
  @UseInterceptors(FilesInterceptor('screenshots', MAX_SCREENSHOTS))
  async forward(
    @Body() dto: ForwardMessageDto,
    @UploadedFiles() files: UploadedImage[] | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
    @Headers('idempotency-key') key?: string,
  ) {
    checkIdempotencyKey(key);
    // the forward's own content names it (see ForwardedIntakeService.forward): the key is still checked, no longer needed
    const result = await this.forwarded.forward(dto, files ?? [], user);
    // a duplicate made nothing: 200 with the folio it already has, not a 201 that reads as a new report
    if (result.duplicate) res.status(HttpStatus.OK);
    return result;
  }

  @Get('mine') @Roles('press', 'admin')
  mine(@CurrentUser() user: AuthenticatedUser, @Query() query: ListForwardedQuery) {
    return this.forwarded.mine(user, query);
  }
}
