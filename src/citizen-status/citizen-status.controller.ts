import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { CitizenStatusService } from './citizen-status.service';
import { StatusPage } from './status-page';
import { RateLimit } from '../common/rate-limit';

const PRIVATE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Robots-Tag': 'noindex, nofollow',
  'Referrer-Policy': 'no-referrer',
};

/** The citizen's report as JSON: `GET /api/v1/public/tickets/{folio}?token=…`. */
@ApiTags('public')
@Controller('public/tickets')
export class PublicTicketsController {
  constructor(private readonly status: CitizenStatusService) {}

  @Get(':folio')
  @Public()
  @RateLimit('public')
  @ApiQuery({
    name: 'token',
    required: true,
    description: 'the token of the status link sent to the citizen',
  })
  @ApiOkResponse({ description: 'status, dates and the public messages of the report' })
  @Header('Cache-Control', PRIVATE_HEADERS['Cache-Control'])
  @Header('X-Robots-Tag', PRIVATE_HEADERS['X-Robots-Tag'])
  async get(@Param('folio') folio: string, @Query('token') token?: string) {
    const view = await this.status.find(folio, typeof token === 'string' ? token : undefined);
    if (!view) throw new DomainError('NOT_FOUND', 'Reporte no encontrado');
    return view;
  }
}

/** The page citizens' emails link to: `GET /seguimiento/{folio}?token=…` (outside /api/v1, no JavaScript). */
@ApiExcludeController()
@Controller('seguimiento')
export class StatusPageController {
  constructor(
    private readonly status: CitizenStatusService,
    private readonly page: StatusPage,
    private readonly config: AppConfig,
  ) {}

  @Get(':folio')
  @Public()
  @RateLimit('public')
  async show(
    @Param('folio') folio: string,
    @Query('token') token: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const privacyUrl = `${this.config.publicBaseUrl}/aviso-de-privacidad`;
    const view = await this.status.find(folio, typeof token === 'string' ? token : undefined);
    res.set(PRIVATE_HEADERS).type('html');
    if (!view) {
      res.status(404).send(this.page.notFound({ privacyUrl, contact: this.config.citizenContact }));
      return;
    }
    res
      .status(200)
      .send(this.page.render(view, { timeZone: this.config.cityTimeZone, privacyUrl, contact: this.config.citizenContact }));
  }
}
