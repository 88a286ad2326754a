import { Injectable } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import { AppConfig } from '../../config/app-config';

/** The one place that opens IMAP connections (outside I/O behind one small injectable). */
@Injectable()
export class ImapClientFactory {
  constructor(private readonly config: AppConfig) {}

  create(): ImapFlow {
    const imap = this.config.imap;
    if (!imap) throw new Error('IMAP is not configured');
    return new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.secure,
      auth: { user: imap.user, pass: imap.password },
      logger: false,
      connectionTimeout: 15_000,
      greetingTimeout: 10_000,
      socketTimeout: 5 * 60_000,
      // IDLE starts as soon as the reader is between passes, so new mail is noticed at once
      autoIdleDelay: 300,
      // IDLE is restarted every few minutes so broken connections are noticed
      maxIdleTime: 4 * 60_000,
    });
  }
}
