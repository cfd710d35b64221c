import { BlockList, isIP } from 'node:net';

/** IP family as `net.BlockList` names it. */
export type IpFamily = 'ipv4' | 'ipv6';

/**
 * Ranges that reach the MEO's own host or internal networks rather than the
 * public internet. A URL resolving into one of them is refused unless the
 * configuration allows it explicitly (server-side request forgery).
 */
const SPECIAL_RANGES: Array<[string, number, IpFamily, string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'private (shared address space)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  // The first range that matches names the kind, so :: and ::1 come before
  // the IPv4-compatible block that contains them.
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  // Ranges that embed an IPv4 address (IPv4-compatible ::a.b.c.d,
  // IPv4-translated ::ffff:0:a.b.c.d, 6to4, Teredo) count as internal as a
  // whole rather than by the address they embed: all are deprecated or
  // client-only, so no legitimate server needs them, and a host that tunnels
  // them may deliver to the embedded address (127.0.0.1 and 10.x included),
  // which Teredo even obfuscates. Judging the embedded address would trust
  // our decoding of each format; refusing the range trusts nothing.
  ['::', 96, 'ipv6', 'reserved (IPv4-compatible)'],
  ['::ffff:0:0:0', 96, 'ipv6', 'reserved (IPv4-translated)'],
  ['64:ff9b::', 96, 'ipv6', 'reserved (NAT64)'],
  ['64:ff9b:1::', 48, 'ipv6', 'private (local-use NAT64)'],
  ['2001::', 32, 'ipv6', 'reserved (Teredo)'],
  ['2002::', 16, 'ipv6', 'reserved (6to4)'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'private (site-local)'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const specialLists = SPECIAL_RANGES.map(([network, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, family, kind, prefix };
});

/** A special range an address is in. */
export interface SpecialRange {
  kind: string;
  prefix: number;
}

/** A literal IP address, normalised (IPv4-mapped IPv6 becomes IPv4). */
export interface IpAddress {
  address: string;
  family: IpFamily;
}

/**
 * Parses an IP literal (a URL hostname without brackets, or a DNS answer).
 * IPv4-mapped IPv6 addresses are unwrapped so that `::ffff:127.0.0.1` is
 * treated as the loopback address it reaches.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[|\]$/g, '');
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: 'ipv4' };
  if (version !== 6) return undefined;
  const lower = bare.toLowerCase();
  const mapped = /^(?:::|(?:0{1,4}:){5})ffff:(.+)$/.exec(lower);
  if (mapped) {
    const rest = mapped[1];
    if (isIP(rest) === 4) return { address: rest, family: 'ipv4' };
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
    if (hex) {
      const hi = parseInt(hex[1], 16);
      const lo = parseInt(hex[2], 16);
      return {
        address: [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.'),
        family: 'ipv4',
      };
    }
  }
  return { address: lower, family: 'ipv6' };
}

/**
 * The special range (loopback, private, ...) an address is in, or undefined
 * for a public address.
 */
export function specialRangeOf(ip: IpAddress): SpecialRange | undefined {
  for (const { list, family, kind, prefix } of specialLists) {
    if (family === ip.family && list.check(ip.address, ip.family)) {
      return { kind, prefix };
    }
  }
  return undefined;
}

/** An IP address or CIDR block from configuration. */
export class IpRange {
  static parse(text: string): IpRange | undefined {
    const [addressPart, prefixPart, ...extra] = text.split('/');
    if (extra.length > 0) return undefined;
    const ip = parseIp(addressPart);
    if (!ip) return undefined;
    const maxPrefix = ip.family === 'ipv4' ? 32 : 128;
    let prefix = maxPrefix;
    if (prefixPart !== undefined) {
      if (!/^\d{1,3}$/.test(prefixPart)) return undefined;
      prefix = Number(prefixPart);
      // A mapped IPv6 block such as ::ffff:10.0.0.0/104 is refused rather
      // than translated: write it as IPv4.
      if (isIP(addressPart) === 6 && ip.family === 'ipv4') return undefined;
      if (prefix > maxPrefix) return undefined;
    }
    const list = new BlockList();
    list.addSubnet(ip.address, prefix, ip.family);
    return new IpRange(list, ip.family, prefix);
  }

  private constructor(
    private readonly list: BlockList,
    private readonly family: IpFamily,
    /** Length of the network prefix: 32 or 128 for a single address. */
    readonly prefix: number,
  ) {}

  contains(ip: IpAddress): boolean {
    return ip.family === this.family && this.list.check(ip.address, ip.family);
  }
}
