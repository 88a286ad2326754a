import { QueryFailedError } from 'typeorm';
import { safeErrorSerializer } from './safe-log';

describe('safeErrorSerializer', () => {
  it('drops SQL parameters, detail and the message of database errors', () => {
    const driverError = Object.assign(new Error('invalid input syntax for type uuid: "maria.lopez@correo.mx"'), {
      code: '22P02',
      severity: 'ERROR',
      detail: 'Key (kind, value)=(email, maria.lopez@correo.mx) already exists.',
    });
    const err = new QueryFailedError('INSERT INTO citizens (name) VALUES ($1)', ['María López', 'maria.lopez@correo.mx'], driverError);
    const out = safeErrorSerializer(err);
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/maria|María|López|INSERT/i);
    expect(out).toMatchObject({ type: 'QueryFailedError', code: '22P02' });
    expect(String(out.stack)).toMatch(/^\s+at /);
  });

  it('keeps the message of programming errors', () => {
    const out = safeErrorSerializer(new TypeError('Cannot read properties of undefined'));
    expect(out).toMatchObject({ type: 'TypeError', message: 'Cannot read properties of undefined' });
  });

  it('copes with non-errors', () => {
    expect(safeErrorSerializer('boom')).toEqual({ type: 'string' });
    expect(safeErrorSerializer(null)).toEqual({ type: 'object' });
  });
  it('keeps an error name passed on its own, but not free text', () => {
    expect(safeErrorSerializer('QueryFailedError')).toEqual({ type: 'QueryFailedError' });
    expect(safeErrorSerializer('duplicate key (value)=(ana@correo.mx)')).toEqual({ type: 'string' });
  });
  it('keeps the class pino-http names in its copy of the error (type), not "Object"', () => {
    // what pino-std-serializers' err() makes of `new RangeError('Invalid time value')`
    const copy = { type: 'RangeError', message: 'Invalid time value', stack: 'RangeError: Invalid time value\n    at x (y.js:1:1)' };
    expect(safeErrorSerializer(copy)).toEqual({ type: 'RangeError', message: 'Invalid time value', stack: '    at x (y.js:1:1)' });
  });
});
