import { Controller, Get, Query, Res } from '@nestjs/common';
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
  async monthly(@Query() query: MonthlyReportQuery, @CurrentUser() user: AuthenticatedUser, @Res({ passthrough: true }) res: Response) {
    const report = await this.reports.monthly(query.month, user.role === 'press' ? 'social' : 'all');
    const format = query.format ?? 'json';
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
