import { leftCodePoints } from '../../common/code-points';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Every email we send to citizens; each has `<kind>.subject.hbs`, `.text.hbs` and `.html.hbs`. */
export const EMAIL_TEMPLATE_KINDS = [
  'acknowledgement',
  'status-assigned',
  'status-in-progress',
  'status-waiting-citizen',
  'status-resolved',
  'status-closed',
  'status-rejected',
  'status-merged',
  'status-reactivated',
  'reply',
] as const;
export type EmailTemplateKind = (typeof EMAIL_TEMPLATE_KINDS)[number];

/** What a template can use (documented for editors in templates/email/README.md). */
export interface EmailTemplateContext {
  city: string;
  office: string;
  institution: string;
  folio: string;
  /** the ticket's subject */
  subject: string;
  citizenName: string | null;
  statusLabel: string;
  statusMeaning: string;
  /** the area the ticket was turned over to */
  areaName: string | null;
  /** the citizen's status page, with its token */
  statusUrl: string;
  privacyUrl: string;
  /** text written by the office: the question, the answer, the reply */
  message: string | null;
  /** why the report does not proceed */
  reason: string | null;
  /**
   * status-merged: the folio of the report this one was joined to (statusLabel and statusMeaning
   * are then that report's); null otherwise
   */
  mergedIntoFolio: string | null;
  /** when the report was received, in the city's time zone, in Spanish */
  receivedAt: string;
  /** an automatic mail (not written by a person) */
  automatic: boolean;
  /** AUTO_CLOSE_DAYS: a resolved report without an answer closes after this many days */
  autoCloseDays: number;
  /** REOPEN_WINDOW_DAYS: an answer within this many days reopens a closed report */
  reopenWindowDays: number;
  /** CITIZEN_CONTACT: how to reach the office besides email */
  contact: string | null;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Compiled = (ctx: EmailTemplateContext) => string;

/** Finds `templates/<kind>` above this file (works from src/ under jest and from dist/ in production). */
export function findTemplatesDir(
  kind: 'email' | 'pages' = 'email',
  start: string = __dirname,
): string {
  let dir = resolve(start);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates', kind);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`templates/${kind} not found above ${start}`);
}

/**
 * The email templates: Handlebars files a non-programmer can edit. HTML is escaped (`{{x}}`
 * can never inject markup); plain text and subjects are not HTML, so they are not escaped.
 * Strict mode: a misspelt variable fails the template test instead of mailing a blank.
 */
export class EmailTemplates {
  private constructor(
    private readonly compiled: Map<string, { subject: Compiled; text: Compiled; html: Compiled }>,
  ) {}

  static load(dir: string = findTemplatesDir()): EmailTemplates {
    const hb = Handlebars.create();
    hb.registerHelper(
      'paragraphs',
      (value: unknown) =>
        new hb.SafeString(
          hb.Utils.escapeExpression(
            typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value),
          ).replace(/\r?\n/g, '<br>\n'),
        ),
    );
    // "1 día", "7 días": a number of days as Spanish reads it
    hb.registerHelper('days', (value: unknown) => `${Number(value)} ${Number(value) === 1 ? 'día' : 'días'}`);
    const partialsDir = join(dir, 'partials');
    if (existsSync(partialsDir)) {
      for (const file of readdirSync(partialsDir).filter((f) => f.endsWith('.hbs'))) {
        const name = file.slice(0, -'.hbs'.length);
        const source = readFileSync(join(partialsDir, file), 'utf8');
        hb.registerPartial(
          name,
          hb.compile(source, { strict: true, noEscape: !name.endsWith('-html') }),
        );
      }
    }
    const compiled = new Map<string, { subject: Compiled; text: Compiled; html: Compiled }>();
    for (const kind of EMAIL_TEMPLATE_KINDS) {
      const read = (part: string) => {
        const file = join(dir, `${kind}.${part}.hbs`);
        if (!existsSync(file)) throw new Error(`missing email template ${file}`);
        return readFileSync(file, 'utf8');
      };
      compiled.set(kind, {
        subject: hb.compile(read('subject'), { strict: true, noEscape: true }),
        text: hb.compile(read('text'), { strict: true, noEscape: true }),
        html: hb.compile(read('html'), { strict: true }),
      });
    }
    const templates = new EmailTemplates(compiled);
    templates.selfCheck();
    return templates;
  }

  /**
   * Renders every template with a full and an empty sample at start-up, so an edit that breaks a
   * template (syntax, a misspelt variable) stops the start with the file's name instead of
   * failing the ticket change that would have sent the mail.
   */
  private selfCheck(): void {
    const full: EmailTemplateContext = {
      city: 'San Luis Potosí',
      office: 'Atención Ciudadana',
      institution: 'H. Ayuntamiento de San Luis Potosí',
      folio: 'SLP-2026-000001',
      subject: 'Asunto',
      citizenName: 'Nombre',
      statusLabel: 'Recibido',
      statusMeaning: 'Significado',
      areaName: 'Área',
      statusUrl: 'https://example.invalid/seguimiento/SLP-2026-000001?token=x',
      privacyUrl: 'https://example.invalid/aviso-de-privacidad',
      message: 'Mensaje',
      reason: 'Motivo',
      mergedIntoFolio: 'SLP-2026-000002',
      receivedAt: 'hoy',
      automatic: true,
      autoCloseDays: 7,
      reopenWindowDays: 30,
      contact: 'Tel. 444 000 0000',
    };
    const empty: EmailTemplateContext = {
      ...full,
      citizenName: null,
      areaName: null,
      message: null,
      reason: null,
      mergedIntoFolio: null,
      automatic: false,
      contact: null,
    };
    for (const kind of EMAIL_TEMPLATE_KINDS) {
      for (const ctx of [full, empty]) {
        try {
          this.render(kind, ctx);
        } catch (err) {
          throw new Error(
            `email template "${kind}" does not render: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
      }
    }
  }

  private safeUrl(url: string): Handlebars.SafeString {
    const escaped = url
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;');
    return new Handlebars.SafeString(escaped);
  }

  render(kind: EmailTemplateKind, ctx: EmailTemplateContext): RenderedEmail {
    const t = this.compiled.get(kind);
    if (!t) throw new Error(`unknown email template ${kind}`);
    return {
      // one line, no header injection, a sane length
      subject: leftCodePoints(t.subject(ctx).replace(/\s+/g, ' ').trim(), 250),
      text:
        t
          .text(ctx)
          .replace(/\r\n/g, '\n')
          .replace(/\n{3,}/g, '\n\n')
          .trim() + '\n',
      // links go into href attributes as they are (escaped for HTML, but without Handlebars'
      // `=` → `&#x3D;`, which some mail clients show literally)
      html: t.html({
        ...ctx,
        statusUrl: this.safeUrl(ctx.statusUrl),
        privacyUrl: this.safeUrl(ctx.privacyUrl),
      } as unknown as EmailTemplateContext),
    };
  }
}
