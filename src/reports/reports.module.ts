import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** The monthly report of Atención Ciudadana (JSON, CSV, printable HTML). */
@Module({ controllers: [ReportsController], providers: [ReportsService] })
export class ReportsModule {}
