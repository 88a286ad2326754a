import { classifySmtpError } from './classify-smtp-error';

const err = (props: Record<string, unknown>) => Object.assign(new Error('x'), props);

describe('classifySmtpError', () => {
  it.each([
    ['550 on RCPT', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'permanent'],
    ['554 on DATA', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'permanent'],
    ['552 too big', { code: 'EMESSAGE', responseCode: 552, command: 'DATA' }, 'permanent'],
    ['503 bad sequence', { code: 'EPROTOCOL', responseCode: 503, command: 'DATA' }, 'temporary'],
    ['451 greylisting', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'temporary'],
    ['452 mailbox full', { code: 'EMESSAGE', responseCode: 452, command: 'DATA' }, 'temporary'],
    [
      '421 shutting down',
      { code: 'EPROTOCOL', responseCode: 421, command: 'MAIL FROM' },
      'unavailable',
    ],
    ['connection refused', { code: 'ESOCKET', command: 'CONN' }, 'unavailable'],
    ['raw ECONNREFUSED', { code: 'ECONNREFUSED' }, 'unavailable'],
    ['timeout', { code: 'ETIMEDOUT' }, 'unavailable'],
    ['connection closed mid-send', { code: 'ECONNECTION', command: 'DATA' }, 'unavailable'],
    ['DNS', { code: 'EDNS' }, 'unavailable'],
    [
      'bad credentials (535)',
      { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' },
      'unavailable',
    ],
    [
      'login required, none configured (530 on MAIL FROM)',
      { code: 'EENVELOPE', responseCode: 530, command: 'MAIL FROM' },
      'unavailable',
    ],
    ['sender refused (553 on MAIL FROM)', { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM', response: '553 5.7.1 Sender address rejected: not owned by user' }, 'unavailable'],
    ['message too big for the server (552 on MAIL FROM SIZE=)', { code: 'EENVELOPE', responseCode: 552, command: 'MAIL FROM' }, 'permanent'],
    ['relaying denied (Exchange 550 5.7.54)', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain' }, 'unavailable'],
    ['relay access denied (Postfix 554)', { code: 'EENVELOPE', responseCode: 554, command: 'RCPT TO', response: '554 5.7.1 <x@y.mx>: Relay access denied' }, 'unavailable'],
    ['unknown recipient of a relay domain (Postfix 550 5.1.1 … relay recipient table)', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <x@y.mx>: Recipient address rejected: User unknown in relay recipient table' }, 'permanent'],
    ['unknown user reported through a relay host', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 host relay.correo.mx[192.0.2.4] said: 550 5.1.1 User unknown' }, 'permanent'],
    ['unknown mailbox (550 5.1.1)', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <x@y.mx>: Recipient address rejected: User unknown' }, 'permanent'],
    ['socket quiet mid-session (maybe after DATA)', { code: 'ETIMEDOUT', command: 'CONN', timeoutType: 'SOCKET_TIMEOUT' }, 'temporary'],
    ['connection timeout', { code: 'ETIMEDOUT', command: 'CONN', timeoutType: 'CONNECTION_TIMEOUT' }, 'unavailable'],
    ['greeting timeout', { code: 'ETIMEDOUT', command: 'CONN', timeoutType: 'GREETING_TIMEOUT' }, 'unavailable'],
    ['STARTTLS required, not offered (502)', { code: 'ETLS', responseCode: 502, command: 'STARTTLS' }, 'unavailable'],
    ['EHLO refused (550)', { code: 'EPROTOCOL', responseCode: 550, command: 'EHLO' }, 'unavailable'],
    ['message cannot be built', { code: 'EMESSAGE' }, 'permanent'],
    ['something unknown', {}, 'temporary'],
  ])('%s → %s', (_name, props, expected) => {
    expect(classifySmtpError(err(props))).toBe(expected);
  });

  it('copes with non-errors', () => {
    expect(classifySmtpError(undefined)).toBe('temporary');
    expect(classifySmtpError('boom')).toBe('temporary');
  });
});
