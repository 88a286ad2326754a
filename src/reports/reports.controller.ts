import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { Roles } from '../auth/roles.decorator';
import { MonthlyReportQuery } from './dto/monthly-report.query';
import { reportToCsv, reportToHtml } from './report-formats';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  /** Supervisors and admins get every channel; the press office gets the social-channel part. */
  @Get('monthly') @Roles('admin', 'supervisor', 'press')
  @ApiProduces('application/json', 'text/csv', 'text/html')
  async monthly(
    @Query() query: MonthlyReportQuery,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) res: Response,
    @Headers('accept') accept?: string,
  ) {
    const report = await this.reports.monthly(query.month, user.role === 'press' ? 'social' : 'all');
    // ?format= wins; otherwise the Accept header (a spreadsheet asking for CSV, a browser for HTML)
    const format = query.format ?? formatFromAccept(accept);
    res.setHeader('Vary', 'Accept');
    const name = `informe-mensual-${query.month}${report.scope === 'social' ? '-redes-sociales' : ''}`;
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
      return reportToCsv(report);
    }
    if (format === 'html') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Content-Disposition', `inline; filename="${name}.html"`);
      return reportToHtml(report);
    }
    return report;
  }
}

/** The first of CSV, HTML or JSON the client names in Accept; JSON when it names none of them. */
function formatFromAccept(accept: string | undefined): 'json' | 'csv' | 'html' {
  const wanted = (accept ?? '')
    .split(',')
    .map((part) => part.split(';')[0].trim().toLowerCase());
  for (const type of wanted) {
    if (type === 'text/csv') return 'csv';
    if (type === 'text/html') return 'html';
    if (type === 'application/json') return 'json';
  }
  return 'json';
}
