import { startTestApp, TestApp } from '../support/test-app';

// TZ_CITY (SPEC §8) decides how date-only and offset-less list filters are read, not only the default zone
describe('ticket list date filters in another TZ_CITY (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ TZ_CITY: 'America/Tijuana' });
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  it('reads a date-only range as local days of TZ_CITY', async () => {
    const { body } = await t.http().post('/api/v1/tickets').set(agent).send({ subject: 'Bache nocturno', description: 'Bache en la avenida', channel: 'phone' }).expect(201);
    // 23:30 on 14 Nov 2023 in Tijuana (UTC−8) is 07:30 UTC on the 15th, and 01:30 on the 15th in Mexico City
    await t.db.query(`UPDATE tickets SET created_at = '2023-11-15T07:30:00Z' WHERE folio = $1`, [body.folio]);
    const list = async (query: Record<string, string>) =>
      (await t.http().get('/api/v1/tickets').query(query).set(agent).expect(200)).body.items.map((i: { folio: string }) => i.folio);
    expect(await list({ from: '2023-11-14', to: '2023-11-14' })).toEqual([body.folio]);
    expect(await list({ from: '2023-11-15', to: '2023-11-15' })).toEqual([]);
    expect(await list({ from: '2023-11-14T23:00', to: '2023-11-14T23:59' })).toEqual([body.folio]);
  });
});
