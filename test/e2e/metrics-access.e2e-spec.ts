import { startTestApp, TestApp } from '../support/test-app';

describe('/metrics with METRICS_TOKEN (real PostgreSQL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: 'prometheus-0123456789-abcdef' });
  });
  afterAll(() => t.close());

  it('asks for the bearer token and serves the figures with it', async () => {
    await t.http().get('/metrics').expect(401);
    await t.http().get('/metrics').set('Authorization', 'Bearer otro-token-0123456789').expect(401);
    const res = await t.http().get('/metrics').set('Authorization', 'Bearer prometheus-0123456789-abcdef').expect(200);
    expect(res.text).toContain('enlace_tickets_overdue');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
