import { parseIp, specialRangeOf } from './addresses';

function kindOf(text: string): string | undefined {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return specialRangeOf(ip)?.kind;
}

describe('specialRangeOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    // IPv4-compatible, whatever the embedded address.
    ['::127.0.0.1', 'reserved (IPv4-compatible)'],
    ['::7f00:1', 'reserved (IPv4-compatible)'],
    ['::a9fe:a9fe', 'reserved (IPv4-compatible)'],
    ['::8.8.8.8', 'reserved (IPv4-compatible)'],
    ['0:0:0:0:0:0:a00:1', 'reserved (IPv4-compatible)'],
    ['::ffff:0:a00:1', 'reserved (IPv4-translated)'],
    // 6to4, with a loopback, a metadata and a public embedded address.
    ['2002:7f00:1::1', 'reserved (6to4)'],
    ['2002:a9fe:a9fe::', 'reserved (6to4)'],
    ['2002:808:808::1', 'reserved (6to4)'],
    ['2002:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'reserved (6to4)'],
    // Teredo: server 65.54.227.120, obfuscated client 192.0.2.45.
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved (Teredo)'],
    ['2001::1', 'reserved (Teredo)'],
    ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved (Teredo)'],
    ['64:ff9b::8.8.8.8', 'reserved (NAT64)'],
    ['64:ff9b:1::a00:1', 'private (local-use NAT64)'],
    ['64:ff9b:1:ffff::1', 'private (local-use NAT64)'],
    ['fec0::1', 'private (site-local)'],
    ['feff:ffff::1', 'private (site-local)'],
    ['fe80::1', 'link-local'],
    ['fd00::1', 'private'],
    ['ff02::1', 'multicast'],
  ])('%s is %s', (address, kind) => {
    expect(kindOf(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '2001:4860:4860::8888',
    '2001:1::1',
    '2003::1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::1',
    '64:ff9b:2::1',
    '::1:0:0:1',
    'fe00::1',
  ])('%s is public', address => {
    expect(kindOf(address)).toBeUndefined();
  });
});
