import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { domainOf, parseMailbox } from '../notifications/email/mail-address';
import { generateMessageId } from '../notifications/email/message-id';
import { OutboxService } from '../notifications/outbox.service';
import { formatDateEs } from '../notifications/format-date-es';
import type { EmailPayload } from '../notifications/email/email-transport';
import { OverdueNotice, RejectionDisputeNotice, SupervisorNotifier } from './supervisor-notifier';

/** The target's name as in the trail's events and the monthly report, and what it means */
const TARGET_ES: Record<OverdueNotice['target'], { name: string; detail: string }> = {
  accept: { name: 'aceptación', detail: ' (el reporte sigue como «Recibido»)' },
  first_response: { name: 'primera respuesta', detail: '' },
  resolution: { name: 'atención', detail: '' },
};

/**
 * The overdue notice to an area's supervisor as an email in the outbox, in the job's transaction
 * (so it is sent exactly when the once-per-ticket record commits). Staff-facing, so plain Spanish
 * text built here rather than a citizen template. Without an area supervisor it goes to ADMIN_EMAIL;
 * with neither, the notice stays recorded on the ticket only.
 */
@Injectable()
export class OutboxSupervisorNotifier extends SupervisorNotifier {
  private readonly logger = new Logger('SupervisorNotifier');

  constructor(
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async notifyOverdue(manager: EntityManager, notice: OverdueNotice): Promise<void> {
    const recipient = notice.recipient ?? this.config.adminEmail ?? null;
    if (!recipient) {
      this.logger.warn({ ticketId: notice.ticketId, target: notice.target }, 'overdue notice has no recipient (no area supervisor, no ADMIN_EMAIL)');
      return;
    }
    const link = this.ticketLink(notice.folio);
    const due = formatDateEs(notice.dueAt, this.config.cityTimeZone) ?? '';
    const target = TARGET_ES[notice.target];
    const subject = `[${notice.folio}] Plazo de ${target.name} vencido`;
    const text = [
      'Aviso automático de Enlace Ciudadano.',
      '',
      `El reporte ${notice.folio} no cumplió el plazo de ${target.name}${target.detail}, que venció el ${due}.`,
      `Consúltelo en el sistema: ${link}`,
      '',
      'Este aviso se envía una sola vez por reporte y meta.',
    ].join('\n');
    const html = `<p>Aviso automático de Enlace Ciudadano.</p><p>El reporte <strong>${esc(notice.folio)}</strong> no cumplió el plazo de ${esc(target.name + target.detail)}, que venció el ${esc(due)}.</p><p><a href="${esc(link)}">Ver el reporte</a></p>`;
    await this.enqueue(manager, notice.ticketId, recipient, 'sla_overdue', { template: 'sla-overdue', subject, text, html, inReplyTo: null, references: [], automatic: true });
  }

  async notifyRejectionDisputed(manager: EntityManager, notice: RejectionDisputeNotice): Promise<void> {
    const recipient = notice.recipient ?? this.config.adminEmail ?? null;
    if (!recipient) {
      this.logger.warn({ ticketId: notice.ticketId }, 'rejection dispute notice has no recipient (no area supervisor, no ADMIN_EMAIL)');
      return;
    }
    const link = this.ticketLink(notice.folio);
    const subject = `[${notice.folio}] El ciudadano respondió a un reporte marcado «No procede»`;
    const text = [
      'Aviso automático de Enlace Ciudadano.',
      '',
      `El ciudadano respondió al reporte ${notice.folio}, marcado como «No procede». Revise su respuesta y, si corresponde, reactívelo (solo una supervisora o un supervisor puede hacerlo).`,
      `Consúltelo en el sistema: ${link}`,
      '',
      'Este aviso se envía como máximo una vez al día por reporte.',
    ].join('\n');
    const html = `<p>Aviso automático de Enlace Ciudadano.</p><p>El ciudadano respondió al reporte <strong>${esc(notice.folio)}</strong>, marcado como «No procede». Revise su respuesta y, si corresponde, reactívelo (solo una supervisora o un supervisor puede hacerlo).</p><p><a href="${esc(link)}">Ver el reporte</a></p>`;
    await this.enqueue(manager, notice.ticketId, recipient, 'rejection_disputed', { template: 'rejection-disputed', subject, text, html, inReplyTo: null, references: [], automatic: true });
  }

  private ticketLink(folio: string): string {
    return `${this.config.publicBaseUrl}/api/v1/tickets/${folio}`;
  }

  private async enqueue(manager: EntityManager, ticketId: string, recipient: string, kind: string, payload: EmailPayload): Promise<void> {
    await this.outbox.enqueue(manager, {
      channel: 'email',
      kind,
      ticketId,
      recipient,
      externalId: generateMessageId(domainOf(parseMailbox(this.config.mailFrom).address)),
      payload: payload as unknown as Record<string, unknown>,
    });
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
