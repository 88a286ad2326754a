import { Module } from '@nestjs/common';
import { CitizenStatusService } from './citizen-status.service';
import { PublicTicketsController, StatusPageController } from './citizen-status.controller';
import { StatusPage } from './status-page';

/** What a citizen sees with the link in their emails: the status page and its JSON twin. */
@Module({
  controllers: [PublicTicketsController, StatusPageController],
  providers: [CitizenStatusService, { provide: StatusPage, useFactory: () => StatusPage.load() }],
})
export class CitizenStatusModule {}
