// the app first: it loads the entities in an order their circular imports accept
import { startTestApp, TestApp } from '../support/test-app';

type Auth = { auth: Record<string, string>; user: { id: string } };

describe('citizen records and personal data: merges, concurrent intake, anonymisation limits, ARCO export', () => {
  let t: TestApp;
  let agent: Auth;
  let supervisor: Auth;

  beforeAll(async () => {
    t = await startTestApp();
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
  });
  afterAll(() => t.close());

  const capture = async (citizen: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Bache en la calle', description: 'Un bache profundo frente al número 12', channel: 'phone', citizen, ...extra })
      .expect(201);
    return { folio: res.body.folio as string, citizenId: res.body.citizen.id as string };
  };
  const anonymise = (citizenId: string) =>
    t.http().post(`/api/v1/citizens/${citizenId}/anonymise`).set(supervisor.auth).send({ reason: 'Solicitud ARCO de cancelación' });

  describe('merge', () => {
    it('refuses (409) to merge a record into an anonymised one, or an anonymised one into another, and moves nothing', async () => {
      const gone = await capture({ name: 'Renata Borrada Solís', email: 'renata.borrada@correo-prueba.mx' });
      await anonymise(gone.citizenId).expect(200);
      const live = await capture({ name: 'Renata Viva Solís', email: 'renata.viva@correo-prueba.mx', phone: '444 321 0099' });

      const into = await t.http().post(`/api/v1/citizens/${live.citizenId}/merge`).set(agent.auth).send({ intoCitizenId: gone.citizenId }).expect(409);
      expect(into.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', message: 'Target citizen data was anonymised' });
      const from = await t.http().post(`/api/v1/citizens/${gone.citizenId}/merge`).set(agent.auth).send({ intoCitizenId: live.citizenId }).expect(409);
      expect(from.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', message: 'Citizen data was anonymised' });

      const owners = await t.db.query(
        `SELECT c.id, c.merged_into_id, (SELECT count(*)::int FROM citizen_identities i WHERE i.citizen_id = c.id) AS identities,
                (SELECT count(*)::int FROM tickets x WHERE x.citizen_id = c.id) AS tickets
         FROM citizens c WHERE c.id = ANY($1) ORDER BY c.created_at`,
        [[gone.citizenId, live.citizenId]],
      );
      expect(owners).toEqual([
        { id: gone.citizenId, merged_into_id: null, identities: 1, tickets: 1 },
        { id: live.citizenId, merged_into_id: null, identities: 2, tickets: 1 },
      ]);
      // the live record can still be anonymised; the other still refuses a second time
      await anonymise(live.citizenId).expect(200);
      await anonymise(gone.citizenId).expect(409);
    });
  });
});

