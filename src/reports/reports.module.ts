import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';
import { TicketMetricsService } from './ticket-metrics.service';

/** The monthly report of Atención Ciudadana (JSON, CSV, printable HTML) and the ticket gauges of /metrics. */
@Module({ controllers: [ReportsController], providers: [ReportsService, TicketMetricsService] })
export class ReportsModule {}
