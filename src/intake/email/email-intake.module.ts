import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake.module';
import { EmailIntakeService } from './email-intake.service';
import { ImapClientFactory } from './imap-client';
import { IntakeAdminController } from './intake-admin.controller';
import { IntakeAdminService } from './intake-admin.service';
import { MailboxReader } from './mailbox-reader';
import { PersonalDataRegistry } from '../../personal-data/personal-data-registry';
import { emailIntakePersonalDataHandler } from './intake-personal-data';

/** Email intake over IMAP (SPEC §3.1): the mailbox reader, its decisions, and the admin views. */
@Module({
  imports: [IntakeModule],
  controllers: [IntakeAdminController],
  providers: [EmailIntakeService, ImapClientFactory, MailboxReader, IntakeAdminService],
  exports: [MailboxReader, EmailIntakeService],
})
export class EmailIntakeModule {
  constructor(registry: PersonalDataRegistry) {
    registry.register(emailIntakePersonalDataHandler);
    registry.declareFreeOfPersonalData(['mail_cursors'], 'mailbox names and IMAP positions');
  }
}
