// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';

jest.setTimeout(60_000);

/** The page citizens reach from their emails, and its JSON twin: their report, and nothing else. */
describe('citizen status page /seguimiento/{folio}?token=…', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  let folio: string;
  let token: string;
  let otherFolio: string;

  beforeAll(async () => {
    t = await startTestApp({ CITIZEN_CONTACT: 'Tel. 444 834 5400 · lunes a viernes de 8:00 a 15:00' }); // no SMTP: mails stay queued, the page works regardless
    const a = await t.user('agent', { name: 'Rogelio Agente Interno' });
    agent = a.auth;
    supervisor = (await t.user('supervisor', { name: 'Susana Supervisora' })).auth;
    const intake = t.app.get(IntakeService);
    const r = await intake.receive({
      channel: 'email',
      externalId: '<pagina.1@correo.mx>',
      sender: {
        name: 'María José Núñez',
        identities: [{ kind: 'email', value: 'maria.pagina@correo.mx' }],
      },
      subject: 'Bache profundo en Av. Himno Nacional',
      text: 'Hay un bache muy profundo frente a la glorieta.\n\nEl jue, 26 nov 2026 escribió:\n> texto citado',
      textNew: 'Hay un bache muy profundo frente a la glorieta.',
    });
    folio = r.folio;
    const other = await intake.receive({
      channel: 'email',
      externalId: '<otra.persona@correo.mx>',
      sender: {
        name: 'Ana Pérez Duplicada',
        identities: [{ kind: 'email', value: 'ana.perez@correo.mx' }],
      },
      subject: 'El mismo bache',
      text: 'Soy Ana Pérez Duplicada, mi teléfono es 444 555 6666.',
    });
    otherFolio = other.folio;
    await t
      .http()
      .post(`/api/v1/tickets/${folio}/notes`)
      .set(agent)
      .send({ body: 'NOTA INTERNA: revisar con Obras' })
      .expect(201);
    await t
      .http()
      .post(`/api/v1/tickets/${folio}/replies`)
      .set(agent)
      .send({ body: 'Gracias, enviaremos una cuadrilla esta semana.' })
      .expect(201);
    await t
      .http()
      .post(`/api/v1/tickets/${folio}/transitions`)
      .set(agent)
      .send({ to: 'waiting_citizen', message: '¿Entre qué calles está el bache?' })
      .expect(200);
    await t
      .http()
      .post(`/api/v1/tickets/${otherFolio}/merge`)
      .set(supervisor)
      .send({ intoFolio: folio })
      .expect(200);
    token = (await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200)).body
      .publicStatusToken;
    expect(token).toMatch(/^[\w-]{40,}$/);
  });
  afterAll(() => t.close());

  it('shows the report to the holder of the link: city, folio, status and its meaning, dates, public messages', async () => {
    const res = await t.http().get(`/seguimiento/${folio}`).query({ token }).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toMatch(/noindex/);
    const html = res.text;
    expect(html).toContain('<html lang="es-MX">');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('San Luis Potosí');
    expect(html).toContain('Atención Ciudadana');
    expect(html).toContain(folio);
    expect(html).toContain('Bache profundo en Av. Himno Nacional');
    expect(html).toContain('En espera de información');
    expect(html).toContain('Necesitamos que nos proporcione información adicional para continuar.');
    expect(html).toMatch(/Fecha de recepción<\/dt><dd>\d{1,2} de [a-z]+ de \d{4}/);
    expect(html).toContain('Hay un bache muy profundo frente a la glorieta.');
    expect(html).not.toContain('texto citado'); // the citizen's new text, without the quoted history
    expect(html).toContain('Gracias, enviaremos una cuadrilla esta semana.');
    expect(html).toContain('También puede comunicarse con Atención Ciudadana: Tel. 444 834 5400 · lunes a viernes de 8:00 a 15:00');
    expect(html).toContain('¿Entre qué calles está el bache?');
    expect(html).toContain('href="https://enlace.test/aviso-de-privacidad"');
    expect(html).not.toMatch(/<script/i);
  });

  it('never shows internal notes, staff names, contact data, automatic notices or a merged duplicate’s citizen', async () => {
    const html = (await t.http().get(`/seguimiento/${folio}`).query({ token }).expect(200)).text;
    const json = JSON.stringify(
      (await t.http().get(`/api/v1/public/tickets/${folio}`).query({ token }).expect(200)).body,
    );
    for (const body of [html, json]) {
      expect(body).not.toContain('NOTA INTERNA');
      expect(body).not.toContain('Rogelio');
      expect(body).not.toContain('Susana');
      expect(body).not.toContain('maria.pagina@correo.mx');
      expect(body).not.toContain('Ana Pérez');
      expect(body).not.toContain('444 555 6666');
      expect(body).not.toContain('Recibimos su reporte'); // the queued acknowledgement is not a conversation message
      expect(body).not.toContain(token);
    }
  });

  it('gives the same data as JSON at /api/v1/public/tickets/{folio}', async () => {
    const res = await t.http().get(`/api/v1/public/tickets/${folio}`).query({ token }).expect(200);
    expect(res.body).toMatchObject({
      city: 'San Luis Potosí',
      folio,
      subject: 'Bache profundo en Av. Himno Nacional',
      status: 'waiting_citizen',
      statusLabel: 'En espera de información',
      statusMeaning: 'Necesitamos que nos proporcione información adicional para continuar.',
      rejectionReason: null,
    });
    expect(new Date(res.body.createdAt).getTime()).toBeGreaterThan(0);
    expect(res.body.messages.map((m: { from: string; text: string }) => [m.from, m.text])).toEqual([
      ['citizen', 'Hay un bache muy profundo frente a la glorieta.'],
      ['office', 'Gracias, enviaremos una cuadrilla esta semana.'],
      ['office', '¿Entre qué calles está el bache?'],
    ]);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers a wrong token, an unknown folio, a malformed folio and a missing token with the same 404 page', async () => {
    const wrong = await t
      .http()
      .get(`/seguimiento/${folio}`)
      .query({ token: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') })
      .expect(404);
    const unknown = await t.http().get(`/seguimiento/SLP-2000-999999`).query({ token }).expect(404);
    const malformed = await t.http().get(`/seguimiento/nada'--`).query({ token }).expect(404);
    const missing = await t.http().get(`/seguimiento/${folio}`).expect(404);
    const empty = await t.http().get(`/seguimiento/${folio}`).query({ token: '' }).expect(404);
    const array = await t
      .http()
      .get(`/seguimiento/${folio}?token=${token}&token=${token}`)
      .expect(404);
    const huge = await t
      .http()
      .get(`/seguimiento/${folio}`)
      .query({ token: 'x'.repeat(5000) })
      .expect(404);
    for (const r of [unknown, malformed, missing, empty, array, huge]) {
      expect(r.text).toBe(wrong.text);
      expect(r.headers['content-type']).toBe(wrong.headers['content-type']);
    }
    expect(wrong.text).toContain('No encontramos ese reporte');
    // the link reached them by mail or on a social network: no "correo" for everyone
    expect(wrong.text).toContain('escríbanos por el mismo medio por el que nos hizo llegar su reporte');
    expect(wrong.text).not.toContain(folio);

    const jWrong = await t
      .http()
      .get(`/api/v1/public/tickets/${folio}`)
      .query({ token: 'x' })
      .expect(404);
    const jUnknown = await t
      .http()
      .get(`/api/v1/public/tickets/SLP-2000-999999`)
      .query({ token })
      .expect(404);
    const jMissing = await t.http().get(`/api/v1/public/tickets/${folio}`).expect(404);
    const strip = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(strip(jUnknown.body)).toEqual(strip(jWrong.body));
    expect(strip(jMissing.body)).toEqual(strip(jWrong.body));
    expect(jWrong.body).toMatchObject({ statusCode: 404, message: 'Reporte no encontrado' });
  });

  it('lives outside /api/v1 and needs no staff session', async () => {
    await t.http().get(`/api/v1/seguimiento/${folio}`).query({ token }).expect(404);
    await t
      .http()
      .get(`/seguimiento/${folio}`)
      .query({ token })
      .set('Authorization', 'Bearer nonsense')
      .expect(200);
  });

  it('shows a merged duplicate as joined to the surviving report, not as a report that does not proceed', async () => {
    const other = (await t.http().get(`/api/v1/tickets/${otherFolio}`).set(agent).expect(200)).body;
    const res = await t
      .http()
      .get(`/seguimiento/${otherFolio}`)
      .query({ token: other.publicStatusToken })
      .expect(200);
    expect(res.text).toContain(`Integrado al reporte ${folio}`);
    expect(res.text).not.toContain('No procede');
    expect(res.text).toContain('Soy Ana Pérez Duplicada'); // her own message, on her own page
    expect(res.text).not.toContain('Hay un bache muy profundo'); // not the survivor’s citizen
  });
});
