import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EMAIL_TEMPLATE_KINDS,
  EmailTemplateContext,
  EmailTemplates,
  findTemplatesDir,
} from './email-templates';

/** Renders every template from the real files in templates/email and checks its Spanish content and links. */
describe('email templates (templates/email)', () => {
  const templates = EmailTemplates.load();
  const ctx: EmailTemplateContext = {
    city: 'San Luis Potosí',
    office: 'Atención Ciudadana',
    institution: 'H. Ayuntamiento de San Luis Potosí',
    folio: 'SLP-2026-000123',
    subject: 'Luminaria apagada en calle Álvaro Obregón',
    citizenName: 'María José Núñez',
    statusLabel: 'Turnado',
    statusMeaning: 'Su reporte fue turnado al área responsable.',
    areaName: 'Alumbrado Público',
    statusUrl: 'https://enlace.sanluis.gob.mx/seguimiento/SLP-2026-000123?token=abc_DEF-123',
    privacyUrl: 'https://enlace.sanluis.gob.mx/aviso-de-privacidad',
    message: '¿Podría indicarnos el número del poste?\nGracias.',
    reason: 'Fuera de la competencia municipal',
    mergedIntoFolio: 'SLP-2026-000099',
    receivedAt: '26 de noviembre de 2026 a las 10:08 a.m.',
    automatic: true,
    autoCloseDays: 7,
    reopenWindowDays: 30,
    contact: 'Tel. 444 834 5400 · lunes a viernes de 8:00 a 15:00',
  };
  const decode = (html: string) =>
    html
      .replace(/&#x3D;/g, '=')
      .replace(/&amp;/g, '&')
      .replace(/&#x27;/g, "'")
      .replace(/&quot;/g, '"');

  const expected: Record<
    (typeof EMAIL_TEMPLATE_KINDS)[number],
    { subject: RegExp; body: RegExp[]; automatic: boolean }
  > = {
    acknowledgement: {
      subject: /^\[SLP-2026-000123\] Recibimos su reporte: Luminaria apagada/,
      body: [
        /Recibimos su reporte y le asignamos el folio SLP-2026-000123/,
        /Fecha de recepción: 26 de noviembre/,
      ],
      automatic: true,
    },
    'status-assigned': {
      subject: /^\[SLP-2026-000123\] Su reporte fue turnado/,
      body: [/fue turnado al área responsable: Alumbrado Público/],
      automatic: true,
    },
    'status-in-progress': {
      subject: /^\[SLP-2026-000123\] Su reporte está en atención/,
      body: [/ya está atendiendo su reporte SLP-2026-000123/],
      automatic: true,
    },
    'status-waiting-citizen': {
      subject: /^\[SLP-2026-000123\] Necesitamos información/,
      body: [
        /necesitamos que nos ayude con lo siguiente/,
        /¿Podría indicarnos el número del poste\?/,
        /responda a este correo con la información solicitada/,
      ],
      automatic: true,
    },
    'status-resolved': {
      subject: /^\[SLP-2026-000123\] Su reporte fue atendido/,
      body: [
        /Respuesta del área responsable/,
        /Si su reporte no quedó resuelto, responda a este correo/,
      ],
      automatic: true,
    },
    'status-closed': {
      subject: /^\[SLP-2026-000123\] Su reporte fue cerrado/,
      body: [/fue cerrado\. Gracias por ayudarnos a mejorar San Luis Potosí/],
      automatic: true,
    },
    'status-rejected': {
      subject: /^\[SLP-2026-000123\] Su reporte no procede/,
      body: [/no procede/, /Motivo: Fuera de la competencia municipal/],
      automatic: true,
    },
    'status-merged': {
      subject: /^\[SLP-2026-000123\] Su reporte se integró al reporte SLP-2026-000099: Luminaria apagada/,
      body: [
        /su reporte SLP-2026-000123 \(«Luminaria apagada en calle Álvaro Obregón»\) se integró al reporte SLP-2026-000099, que atiende el mismo problema/,
        /Puede seguir el avance con el enlace de este correo: ahí verá el estado y las fechas del reporte SLP-2026-000099/,
        /no se muestran los datos ni los mensajes de otras personas/,
        /Estado actual del reporte SLP-2026-000099: Turnado\./,
      ],
      automatic: true,
    },
    'status-reactivated': {
      subject: /^\[SLP-2026-000123\] Su reporte fue reactivado: Luminaria apagada/,
      body: [
        /Su reporte SLP-2026-000123 \(«Luminaria apagada en calle Álvaro Obregón»\) fue reactivado\./,
        /queda sin efecto el aviso anterior de que no procedía o de que se había integrado a otro reporte/,
      ],
      automatic: true,
    },
    reply: {
      subject: /^\[SLP-2026-000123\] Respuesta a su reporte/,
      body: [
        /¿Podría indicarnos el número del poste\?/,
        /Puede responder directamente a este correo/,
      ],
      automatic: false,
    },
  };

  it.each(EMAIL_TEMPLATE_KINDS)(
    '%s renders subject, plain text and HTML in Spanish with the status and privacy links',
    (kind) => {
      const exp = expected[kind];
      const r = templates.render(kind, { ...ctx, automatic: exp.automatic });
      expect(r.subject).toMatch(exp.subject);
      expect(r.subject).not.toMatch(/[\r\n]/);
      for (const re of exp.body) expect(r.text).toMatch(re);
      expect(r.text).toMatch(/^Estimado\(a\) María José Núñez:/);
      expect(r.text).toContain(ctx.statusUrl);
      expect(r.text).toContain(`Aviso de privacidad: ${ctx.privacyUrl}`);
      expect(r.text).toContain('Atención Ciudadana');
      expect(r.text).not.toMatch(/&[#a-z0-9]+;/i); // plain text is not HTML-escaped
      expect(r.text).not.toMatch(/\{\{|\}\}/);
      if (exp.automatic) expect(r.text).toMatch(/Este es un mensaje automático/);
      else expect(r.text).not.toMatch(/Este es un mensaje automático/);

      expect(r.html).toMatch(/^<!DOCTYPE html>/);
      expect(r.html).toContain('<html lang="es-MX">');
      expect(r.html).toContain('<meta charset="utf-8">');
      const html = decode(r.html);
      expect(html).toContain(`href="${ctx.statusUrl}"`);
      expect(html).toContain(`href="${ctx.privacyUrl}"`);
      expect(html).toContain('SLP-2026-000123');
      expect(html).toContain('María José Núñez');
      expect(html).not.toMatch(/\{\{|\}\}/);
    },
  );

  it.each(['status-merged', 'status-reactivated'] as const)(
    '%s says in HTML what it says in plain text, and neither says "no procede"',
    (kind) => {
      for (const c of [ctx, { ...ctx, message: null, citizenName: null }]) {
        const r = templates.render(kind, c);
        const visible = (html: string) =>
          decode(html.replace(/<\/?strong>/g, '').replace(/<[^>]+>/g, ' '))
            .replace(/\s+/g, ' ')
            .trim();
        const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
        const html = visible(r.html);
        // every paragraph of the plain text before the shared footer is in the HTML, word for word
        const body = r.text.split('\nConsulte el avance de su reporte')[0];
        const paragraphs = body.split(/\n\s*\n/).map(flat).filter(Boolean);
        expect(paragraphs.length).toBeGreaterThanOrEqual(c.message ? 5 : 4);
        for (const p of paragraphs) expect(html).toContain(p);
        expect(`${r.subject} ${r.text} ${html}`).not.toMatch(/no procede\b/i);
      }
    },
  );

  it('escapes whatever the citizen or staff wrote in HTML, and keeps it readable in plain text', () => {
    const hostile = {
      ...ctx,
      subject: '<script>alert(1)</script> & "más"',
      citizenName: '<img src=x onerror=alert(1)>',
      message: '<b>negritas</b>\nlínea 2',
    };
    for (const kind of EMAIL_TEMPLATE_KINDS) {
      const r = templates.render(kind, hostile);
      expect(r.html).not.toContain('<script>');
      expect(r.html).not.toContain('<img src=x');
      expect(r.html).not.toContain('<b>negritas</b>');
      expect(r.text).toContain('Estimado(a) <img src=x onerror=alert(1)>:');
    }
    const reply = templates.render('reply', hostile);
    expect(reply.html).toContain('&lt;b&gt;negritas&lt;/b&gt;<br>');
    expect(reply.text).toContain('<b>negritas</b>\nlínea 2');
  });

  it('says "1 día" and "N días", drops the reopening sentence when there is no window, and names the area without nested brackets', () => {
    const render = (kind: (typeof EMAIL_TEMPLATE_KINDS)[number], over: Record<string, unknown>) => {
      const r = templates.render(kind, { ...ctx, ...over });
      return [r.text, decode(r.html)];
    };
    for (const body of render('status-resolved', { autoCloseDays: 1 })) expect(body).toContain('Si no recibimos respuesta en 1 día, su reporte se cerrará.');
    for (const body of render('status-resolved', { autoCloseDays: 7 })) expect(body).toContain('en 7 días,');
    for (const body of render('status-closed', { reopenWindowDays: 1 })) expect(body).toContain('en un plazo de 1 día y revisaremos');
    for (const body of render('status-closed', { reopenWindowDays: 0 })) {
      expect(body).toContain('responda a este correo: su respuesta abrirá un reporte nuevo.');
      expect(body).not.toMatch(/próximos 0/);
    }
    const [text, html] = render('status-in-progress', { areaName: 'Interapas (agua)' });
    expect(text).toContain('El área responsable, Interapas (agua), ya está atendiendo');
    expect(html).toContain('El área responsable, <strong>Interapas (agua)</strong>, ya está atendiendo');
  });

  it('greets without a name when the citizen gave none', () => {
    const r = templates.render('acknowledgement', { ...ctx, citizenName: null });
    expect(r.text).toMatch(/^Estimado\(a\) ciudadano\(a\):/);
    expect(r.html).toContain('Estimado(a) ciudadano(a):');
  });

  it('keeps a subject on one line even when the ticket subject has line breaks', () => {
    const r = templates.render('acknowledgement', { ...ctx, subject: 'Bache\r\nBcc: x@y.mx' });
    expect(r.subject).toBe('[SLP-2026-000123] Recibimos su reporte: Bache Bcc: x@y.mx');
  });

  it('refuses to load a template with a misspelt variable or broken syntax, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'enlace-templates-'));
    try {
      cpSync(findTemplatesDir('email'), dir, { recursive: true });
      writeFileSync(join(dir, 'status-closed.text.hbs'), 'Hola {{#if message}}{{mesage}}{{/if}}');
      expect(() => EmailTemplates.load(dir)).toThrow(/status-closed.*mesage/);
      writeFileSync(join(dir, 'status-closed.text.hbs'), 'Hola {{#if message}}');
      expect(() => EmailTemplates.load(dir)).toThrow(/status-closed/);
      cpSync(
        join(findTemplatesDir('email'), 'status-closed.text.hbs'),
        join(dir, 'status-closed.text.hbs'),
      );
      rmSync(join(dir, 'reply.html.hbs'));
      expect(() => EmailTemplates.load(dir)).toThrow(/reply\.html\.hbs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
