import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { SendMailOptions, Transporter } from 'nodemailer';
import { AppConfig } from '../../config/app-config';

/** The one door to the SMTP server (nodemailer, pooled). Disabled when SMTP_HOST is unset. */
@Injectable()
export class SmtpClient implements OnApplicationShutdown {
  private readonly transporter: Transporter | null;

  constructor(config: AppConfig) {
    const smtp = config.smtp;
    this.transporter = smtp
      ? nodemailer.createTransport({
          pool: true,
          maxConnections: config.outbox.concurrency,
          maxMessages: 100,
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          // STARTTLS or nothing: the offer arrives in clear, and a stripped one must not send the login
          requireTLS: smtp.requireTls,
          ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
          connectionTimeout: smtp.timeoutMs,
          greetingTimeout: smtp.timeoutMs,
          socketTimeout: smtp.timeoutMs * 2,
          disableFileAccess: true,
          disableUrlAccess: true,
        })
      : null;
  }

  get enabled(): boolean {
    return this.transporter !== null;
  }

  async send(mail: SendMailOptions): Promise<void> {
    if (!this.transporter) throw new Error('SMTP is not configured');
    await this.transporter.sendMail({ ...mail, disableFileAccess: true, disableUrlAccess: true });
  }

  /** After the outbox worker has finished its sends (it stops in onModuleDestroy). */
  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}
