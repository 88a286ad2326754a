import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BRANDING } from '../notifications/branding';
import { findTemplatesDir } from '../notifications/email/email-templates';
import { formatDateEs } from '../notifications/format-date-es';
import type { PublicTicketView } from './citizen-status.service';

/** Renders the citizen's status page and its 404 from templates/pages (Handlebars, escaping on). */
export class StatusPage {
  private constructor(
    private readonly page: HandlebarsTemplateDelegate,
    private readonly notFoundHtml: (ctx: object) => string,
  ) {}

  static load(dir: string = findTemplatesDir('pages')): StatusPage {
    const hb = Handlebars.create();
    hb.registerHelper(
      'paragraphs',
      (value: unknown) =>
        new hb.SafeString(
          hb.Utils.escapeExpression(typeof value === 'string' ? value : '').replace(
            /\r?\n/g,
            '<br>\n',
          ),
        ),
    );
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return new StatusPage(
      hb.compile(read('seguimiento.hbs'), { strict: true }),
      hb.compile(read('no-encontrado.hbs'), { strict: true }),
    );
  }

  render(view: PublicTicketView, opts: { timeZone: string; privacyUrl: string; contact?: string | null }): string {
    const date = (d: Date | null) => formatDateEs(d, opts.timeZone);
    return this.page({
      ...view,
      createdAt: date(view.createdAt),
      statusChangedAt: date(view.statusChangedAt),
      resolvedAt: date(view.resolvedAt),
      closedAt: date(view.closedAt),
      messages: view.messages.map((m) => ({
        from: m.from,
        citizen: m.from === 'citizen',
        text: m.text,
        date: date(m.createdAt),
      })),
      addByEmail: view.addInformationBy === 'email',
      addBySocial: view.addInformationBy === 'social',
      privacyUrl: opts.privacyUrl,
      contact: opts.contact ?? null,
    });
  }

  /** One page for every miss (unknown folio, wrong or missing token): nothing tells them apart. */
  notFound(opts: { privacyUrl: string; contact?: string | null }): string {
    return this.notFoundHtml({
      city: BRANDING.city,
      office: BRANDING.office,
      privacyUrl: opts.privacyUrl,
      contact: opts.contact ?? null,
    });
  }
}
