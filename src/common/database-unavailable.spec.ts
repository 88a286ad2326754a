import { isDatabaseUnavailable } from './http-exception.filter';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006' }],
    [{ message: 'Connection terminated unexpectedly' }],
    [{ message: 'Client has encountered a connection error and is not queryable' }],
    [{ driverError: { code: '57P03', message: 'the database system is starting up' } }],
    [{ cause: { code: 'ECONNRESET' } }],
    [{ message: 'Query runner already released. Cannot run queries anymore.' }],
    [{ message: 'Database connection provided by a query runner was already released, cannot continue to use its querying methods anymore.' }],
  ])('recognises %p', (err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([[null], [{ code: '23505', message: 'duplicate key' }], [new Error('boom')], [{ code: '22P02' }]])('ignores %p', (err) =>
    expect(isDatabaseUnavailable(err)).toBe(false),
  );
});
