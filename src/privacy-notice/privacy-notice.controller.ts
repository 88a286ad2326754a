import { Body, Controller, Get, Header, Param, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Public, Roles } from '../auth/roles.decorator';
import { RateLimit } from '../common/rate-limit';
import { UpdatePrivacyNoticeDto } from './dto/privacy-notice.dto';
import { PRIVACY_NOTICE_KINDS } from './privacy-notice.entity';
import { PrivacyNoticeService } from './privacy-notice.service';

/** The public page linked from every automatic email and from the citizen's status page (outside /api/v1). */
@ApiTags('privacy')
@Controller('aviso-de-privacidad')
export class PrivacyNoticePageController {
  constructor(private readonly notices: PrivacyNoticeService) {}

  @Get() @Public() @RateLimit('public')
  @ApiProduces('text/html', 'application/json')
  @Header('Cache-Control', 'public, max-age=300')
  // HTML or JSON by Accept: a shared cache must keep them apart
  @Header('Vary', 'Accept')
  async page(@Req() req: Request) {
    // JSON for clients that ask for it; HTML (the default) for people
    if (req.accepts(['text/html', 'application/json']) === 'application/json') return this.notices.get();
    req.res?.type('html');
    return this.notices.page();
  }
}

@ApiTags('privacy')
@Controller('privacy-notice')
export class PrivacyNoticeController {
  constructor(private readonly notices: PrivacyNoticeService) {}

  @Get() @Public() @RateLimit('public')
  get() {
    return this.notices.get();
  }

  @Put(':kind') @Roles('admin') @ApiBearerAuth()
  @ApiParam({ name: 'kind', enum: PRIVACY_NOTICE_KINDS })
  update(@Param('kind') kind: string, @Body() dto: UpdatePrivacyNoticeDto, @CurrentUser() user: AuthenticatedUser) {
    return this.notices.update(kind, dto, user.id);
  }
}
