import { loginClientKey } from './login-client-key';

describe('loginClientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
    ['', 'unknown'],
    ['no-es-ip', 'other:no-es-ip'],
  ])('%p counts as %p', (address, key) => {
    expect(loginClientKey(address)).toBe(key);
  });

  it('gives every address of one /64 the same key and neighbouring blocks different ones', () => {
    expect(loginClientKey('2001:db8:aa:bb:1::1')).toBe(loginClientKey('2001:db8:aa:bb:ffff::2'));
    expect(loginClientKey('2001:db8:aa:bb::1')).not.toBe(loginClientKey('2001:db8:aa:bc::1'));
  });
});
