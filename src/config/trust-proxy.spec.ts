import { loadAppConfig } from './app-config';
import { EnvironmentError } from './env.validation';
import { parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it('defaults to loopback (a reverse proxy on the same host), as the service always did', () => {
    expect(parseTrustProxy(undefined)).toEqual(['loopback']);
    expect(parseTrustProxy('  ')).toEqual(['loopback']);
    expect(loadAppConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadAppConfig({ TRUST_PROXY: '' }).trustProxy).toEqual(['loopback']);
    expect(loadAppConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toEqual(['loopback']);
  });

  it('takes false, a hop count of 1 to 10, or a list of IPs, CIDRs and named ranges', () => {
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('FALSE')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy(' 10 ')).toBe(10);
    expect(parseTrustProxy('10.0.0.5')).toEqual(['10.0.0.5']);
    expect(parseTrustProxy('Loopback, 10.0.0.0/8 ,192.168.1.7/32,fd00::/8,2001:db8::1')).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.7/32',
      'fd00::/8',
      '2001:db8::1',
    ]);
    expect(parseTrustProxy('uniquelocal,linklocal')).toEqual(['uniquelocal', 'linklocal']);
    expect(loadAppConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it.each([
    ['true', /every hop/],
    ['0', /1 to 10/],
    ['11', /1 to 10/],
    ['10.0.0.0/33', /not an IP address, a CIDR/],
    ['fd00::/129', /not an IP address, a CIDR/],
    ['10.0.0.0/', /not an IP address, a CIDR/],
    ['10.0.0.256', /not an IP address, a CIDR/],
    ['balanceador.interno', /not an IP address, a CIDR/],
    ['10.0.0.1,,10.0.0.2', /empty entry/],
    ['10.0.0.1,', /empty entry/],
    ['-1', /not an IP address/],
  ])('refuses TRUST_PROXY=%s, naming the variable, so the service does not start', (value, why) => {
    expect(() => parseTrustProxy(value)).toThrow(why);
    expect(() => loadAppConfig({ TRUST_PROXY: value })).toThrow(EnvironmentError);
    expect(() => loadAppConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: /);
  });
});
