import { clientNetwork } from './client-network.js';

describe('clientNetwork', () => {
  it('keeps an IPv4 address whole', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('203.0.113.8')).toBe('203.0.113.8');
  });

  it('counts an IPv6 address under its /64, however it is written', () => {
    const network = '2001:db8:85a3:12::/64';
    for (const ip of [
      '2001:db8:85a3:12::1',
      '2001:0db8:85a3:0012:ffff:ffff:ffff:ffff',
      '2001:DB8:85A3:12:1:2:3:4',
      '2001:db8:85a3:12:0:0:192.0.2.1',
      '2001:db8:85a3:12::abcd%eth0',
    ]) {
      expect(clientNetwork(ip)).toBe(network);
    }
    expect(clientNetwork('2001:db8:85a3:13::1')).toBe('2001:db8:85a3:13::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client it is', () => {
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('puts what is not an address under one name', () => {
    for (const ip of [undefined, '', 'localhost', '999.1.1.1']) expect(clientNetwork(ip)).toBe('unknown');
  });
});
