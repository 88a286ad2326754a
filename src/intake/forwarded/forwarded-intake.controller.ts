import { Body, Controller, Get, Headers, Post, Query, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { checkIdempotencyKey } from '../../common/idempotency-key';
import { FilesInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiHeader, ApiTags } from '@nestjs/swagger';
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
    description: 'optional; a retry — or the same post forwarded by a colleague — returns the ticket already made whether or not it is sent',
  })
  @UseInterceptors(FilesInterceptor('screenshots', MAX_SCREENSHOTS))
  forward(
    @Body() dto: ForwardMessageDto,
    @UploadedFiles() files: UploadedImage[] | undefined,
    @CurrentUser() user: AuthenticatedUser,
    @Headers('idempotency-key') key?: string,
  ) {
    checkIdempotencyKey(key);
    // the forward's own content names it (see ForwardedIntakeService.forward): the key is still checked, no longer needed
    return this.forwarded.forward(dto, files ?? [], user);
  }

  @Get('mine') @Roles('press', 'admin')
  mine(@CurrentUser() user: AuthenticatedUser, @Query() query: ListForwardedQuery) {
    return this.forwarded.mine(user, query);
  }
}
