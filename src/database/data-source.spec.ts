import { buildDataSourceOptions } from './data-source';

const extra = (o: ReturnType<typeof buildDataSourceOptions>) => (o as { extra: Record<string, unknown> }).extra;

describe('data source options', () => {
  it('bounds every statement of the running app', () => {
    expect(extra(buildDataSourceOptions('postgres://x/db'))).toMatchObject({ statement_timeout: 30000, idle_in_transaction_session_timeout: 60000 });
  });

  it('lets migrations run as long as they need (an index over a million tickets must not be cancelled and retried at every start)', () => {
    expect(extra(buildDataSourceOptions('postgres://x/db', { forMigrations: true }))).toMatchObject({ statement_timeout: 0, idle_in_transaction_session_timeout: 0 });
  });
});
