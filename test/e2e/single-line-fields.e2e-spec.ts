import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Subjects, names, addresses and colonias are one line: they go into mail subjects and greetings,
 * CSV cells and list rows. A line break or another control character in them is refused with a
 * 400 naming the field (it used to be stored, and split the citizen's greeting across lines).
 */
describe('one-line fields refuse line breaks and control characters', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const capture = { subject: 'Bache en Av. Himno Nacional 🚧', description: 'Reporte por teléfono:\nbache profundo,\ncerca de la esquina.', channel: 'phone', citizen: { name: 'Íñigo Peña Ruíz', email: 'inigo.pena@correo.mx' } };

  it.each([
    ['subject', { subject: 'Bache\r\nBcc: todos@sanluis.gob.mx' }],
    ['citizen.name', { citizen: { name: 'Rosa\nElena', email: 'rosa.elena@correo.mx' } }],
    ['address', { address: 'Calle Zaragoza 210\u2028Centro' }],
    ['colonia', { colonia: 'Centro\u0000' }],
    ['tags', { tags: ['bache', 'urgente\t'] }],
  ])('a capture with a control character in %s is refused (400 naming it)', async (field, change) => {
    const agent = await t.user('agent');
    const res = await t.http().post('/api/v1/tickets').set(agent.auth).send({ ...capture, ...change });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    expect(JSON.stringify(res.body.details)).toMatch(/one line/);
  });

  it('keeps accents, emoji and a multi-line description', async () => {
    const agent = await t.user('agent');
    // a trailing line break (pasted) is trimmed, not refused
    const res = await t.http().post('/api/v1/tickets').set(agent.auth).send({ ...capture, citizen: { ...capture.citizen, name: 'Íñigo Peña Ruíz\n' }, address: 'Calle Zaragoza 210', colonia: 'Tequisquiapan', tags: ['bache'] }).expect(201);
    expect(res.body.subject).toBe(capture.subject);
    expect(res.body.citizen.name).toBe('Íñigo Peña Ruíz');
    expect(res.body.description).toBe(capture.description);
  });

  it('refuses them on later edits too (ticket, citizen, user, area)', async () => {
    const admin = await t.user('admin');
    const created = await t.http().post('/api/v1/tickets').set(admin.auth).send(capture).expect(201);
    const area = await t.http().post('/api/v1/areas').set(admin.auth).send({ code: `obras-${Date.now()}`, name: 'Obras Públicas de prueba' }).expect(201);
    const attempts: Array<[string, object, string]> = [
      [`/api/v1/tickets/${created.body.folio}`, { subject: 'Otro\nasunto' }, 'subject'],
      [`/api/v1/citizens/${created.body.citizen.id}`, { name: 'Íñigo\r\nPeña' }, 'name'],
      [`/api/v1/users/${admin.user.id}`, { name: 'Admin\u001b[31m' }, 'name'],
      [`/api/v1/areas/${area.body.id}`, { name: 'Obras\nPúblicas' }, 'name'],
    ];
    for (const [url, body, field] of attempts) {
      const res = await t.http().patch(url).set(admin.auth).send(body);
      expect([url, res.status, res.body.details?.map((d: { field: string }) => d.field)]).toEqual([url, 400, [field]]);
    }
  });

  it('refuses them in a press forward\'s author name', async () => {
    const press = await t.user('press');
    const res = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'facebook').field('text', 'Hay un bache enorme').field('authorName', 'Vecina\nPreocupada');
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['authorName']);
  });
});
