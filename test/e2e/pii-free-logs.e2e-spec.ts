import { TestApp, USER_PASSWORD } from '../support/test-app';
import { findIdentifiers, LogCapture, startAppWithLogCapture } from '../support/log-capture';

/**
 * Runs the flows of the app with known identifiers at LOG_LEVEL=debug and proves none of them
 * reaches the log. Channels added later (email intake, notifications, webhooks) add their flows
 * here with their own identifiers.
 */
const CITIZEN = {
  name: 'Xóchitl Berenice Mondragón',
  email: 'xochitl.mondragon@correo-privado.mx',
  phone: '444 321 7788',
  newEmail: 'xbm.rectificado@correo-privado.mx',
  newPhone: '444 765 1122',
};
const BODY_SNIPPET = 'contraseña del wifi es PerroAzul77';

describe('logs hold ids only: no names, emails, phones, bodies or tokens', () => {
  let t: TestApp;
  let logs: LogCapture;
  const secrets: string[] = [];

  /** Login, capture, search, transitions, notes, rectification, export and anonymisation, with known identifiers. */
  async function runFlows(): Promise<void> {
    const agent = await t.user('agent', { name: 'Agente Secreto Ejemplar', email: 'agente.ejemplar@slp.gob.mx' });
    const supervisor = await t.user('supervisor');
    secrets.push('Agente Secreto Ejemplar', 'agente.ejemplar@slp.gob.mx', USER_PASSWORD, agent.token, supervisor.token);

    const login = await t.http().post('/api/v1/auth/login').send({ email: 'agente.ejemplar@slp.gob.mx', password: USER_PASSWORD }).expect(200);
    secrets.push(login.body.accessToken);
    await t.http().post('/api/v1/auth/login').send({ email: 'agente.ejemplar@slp.gob.mx', password: 'Contraseña-Equivocada-9' }).expect(401);
    await t.http().post('/api/v1/auth/login').send({ email: 'desconocido.total@correo-privado.mx', password: 'Otra-Clave-Equivocada' }).expect(401);
    secrets.push('desconocido.total@correo-privado.mx', 'Contraseña-Equivocada-9', 'Otra-Clave-Equivocada');

    const created = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .set('Idempotency-Key', 'pii-log-capture-0001')
      .send({
        subject: `Poda de árbol — ${CITIZEN.name}`,
        description: `Vecina ${CITIZEN.name} (${CITIZEN.phone}, ${CITIZEN.email}) pide poda. Dato privado: ${BODY_SNIPPET}`,
        channel: 'phone',
        address: 'Privada de los Secretos 42',
        citizen: { name: CITIZEN.name, email: CITIZEN.email, phone: CITIZEN.phone },
      })
      .expect(201);
    const folio: string = created.body.folio;
    const citizenId: string = created.body.citizen.id;
    secrets.push(created.body.publicStatusToken, 'Privada de los Secretos');

    await t.http().get(`/api/v1/tickets?q=${encodeURIComponent(CITIZEN.name)}`).set(agent.auth).expect(200);
    await t.http().get(`/api/v1/citizens?q=${encodeURIComponent(CITIZEN.email)}`).set(agent.auth).expect(200);
    await t.http().get(`/api/v1/tickets/${folio}`).set(agent.auth).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/notes`).set(agent.auth).send({ body: `Nota: llamar a ${CITIZEN.phone}; ${BODY_SNIPPET}` }).expect(201);
    await t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).send({ assigneeId: agent.user.id, reason: `turnar por ${CITIZEN.name}` }).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send({ to: 'waiting_citizen', message: `Estimada ${CITIZEN.name}, confirme su correo ${CITIZEN.email}` }).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send({ to: 'closed', reason: 'x' }).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send({ to: 'assigned' }).expect(409);
    await t.http().patch(`/api/v1/tickets/${folio}`).set(agent.auth).send({ description: `Actualizado: ${CITIZEN.email}` }).expect(200);

    // rectification, including refused values that end in 400/409 answers
    await t.http().patch(`/api/v1/citizens/${citizenId}`).set(agent.auth).send({ emails: [CITIZEN.newEmail], phones: [CITIZEN.newPhone] }).expect(200);
    await t.http().patch(`/api/v1/citizens/${citizenId}`).set(agent.auth).send({ emails: ['no-valido-xochitl@'] }).expect(400);
    await t.http().post('/api/v1/tickets').set(agent.auth).send({ subject: 'x', description: CITIZEN.email, channel: 'fax' }).expect(400);
    await t.http().patch(`/api/v1/tickets/${folio}`).set(agent.auth).send({ address: `NUL \u0000 ${CITIZEN.email}` }).expect(400);
    secrets.push('no-valido-xochitl@');

    await t.http().get(`/api/v1/citizens/${citizenId}/export`).set(supervisor.auth).expect(200);
    await t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(supervisor.auth).send({ reason: `ARCO de ${CITIZEN.name} ${CITIZEN.email}` }).expect(200);
    await t.http().get(`/api/v1/tickets/${folio}?token=${created.body.publicStatusToken}`).set(agent.auth).expect(200);
  }

  /** The flows' own lines are in the capture: an empty capture (or start-up lines only) fails here. */
  function expectFlowLines(): void {
    const lines = logs.lines();
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => l.msg === 'ticket status changed')).toBe(true);
    expect(lines.some((l) => l.msg === 'citizen anonymised')).toBe(true);
    expect(lines.some((l) => (l.req as { path?: string } | undefined)?.path === '/api/v1/tickets')).toBe(true);
  }

  // every test below reads the log of flows run here, so each of them holds when run alone (-t)
  beforeAll(async () => {
    ({ t, logs } = await startAppWithLogCapture());
    await runFlows();
  });
  afterAll(() => t.close());

  it('captured the debug log of those flows (the harness works)', () => {
    expectFlowLines();
    // the checker finds an identifier when it is there
    expect(findIdentifiers(`{"x":"llamar al 4443217788"}`, [CITIZEN.phone])).toEqual([CITIZEN.phone]);
  });

  it('contains none of the known identifiers, bodies, passwords or tokens', () => {
    expectFlowLines();
    expect(secrets.length).toBeGreaterThan(5);
    const identifiers = [
      CITIZEN.name,
      ...CITIZEN.name.split(' '),
      CITIZEN.email,
      CITIZEN.phone,
      '+524443217788',
      CITIZEN.newEmail,
      CITIZEN.newPhone,
      BODY_SNIPPET,
      'PerroAzul77',
      ...secrets,
    ];
    expect(findIdentifiers(logs.text(), identifiers)).toEqual([]);
  });

  it('keeps CORS closed when CORS_ORIGINS is not set', async () => {
    const res = await t.http().options('/api/v1/tickets').set('Origin', 'https://cualquiera.example').set('Access-Control-Request-Method', 'GET');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

