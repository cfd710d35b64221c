/*
 * Hand-built ZIP and tar archives for tests: every header field can be set
 * to what a malicious or broken archive would carry, which archiver or
 * node-tar refuse to write.
 */
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { stringify } from 'yaml';

export interface ZipEntrySpec {
  name: string;
  content?: Buffer | string;
  /** 0 = stored, 8 = deflate (default). */
  method?: number;
  /** Overrides the uncompressed size written in the headers. */
  declaredSize?: number;
  /** Unix mode for the external attributes, e.g. 0o120777 for a symlink. */
  unixMode?: number;
  /** General purpose flags; bit 0 means encrypted. */
  flags?: number;
}

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = Buffer.from(entry.content ?? '');
    const method = entry.method ?? (entry.name.endsWith('/') ? 0 : 8);
    const data = method === 8 ? deflateRawSync(raw) : raw;
    const size = entry.declaredSize ?? raw.length;
    const flags = 0x800 | (entry.flags ?? 0);
    const crc = crc32(raw) >>> 0;
    const mode =
      entry.unixMode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface TarEntrySpec {
  name: string;
  content?: Buffer | string;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '5' directory. */
  type?: string;
  linkname?: string;
}

export function buildTar(entries: TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    header.write(entry.linkname ?? '', 157, 100);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, content);
    const pad = (512 - (content.length % 512)) % 512;
    blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function buildTarGz(entries: TarEntrySpec[]): Buffer {
  return gzipSync(buildTar(entries));
}

export const validAppD = {
  appDId: 'a1b2c3',
  appName: 'demo',
  appProvider: 'ACME',
  appSoftVersion: '1.2.3',
  appDVersion: '1.0',
  mecVersion: '3.1.1',
  appDescription: 'A demo MEC application',
  swImageDescriptor: [
    { id: 'demo', name: 'registry.example.com/demo', version: '1.2.3' },
  ],
};

export function chartFiles(options: {
  name?: string;
  version?: string;
  chartYaml?: Record<string, unknown>;
  appd?: unknown;
  values?: Record<string, unknown>;
}): TarEntrySpec[] {
  const name = options.name ?? 'demo';
  const files: TarEntrySpec[] = [
    {
      name: `${name}/Chart.yaml`,
      content: stringify({
        apiVersion: 'v2',
        name,
        version: options.version ?? '0.1.0',
        appVersion: '1.2.3',
        description: 'Demo chart',
        ...options.chartYaml,
      }),
    },
    {
      name: `${name}/templates/deployment.yaml`,
      content: 'kind: Deployment\n',
    },
  ];
  if (options.values) {
    files.push({
      name: `${name}/values.yaml`,
      content: stringify(options.values),
    });
  }
  if (options.appd !== undefined) {
    files.push({
      name: `${name}/mec/appd.yaml`,
      content: stringify(options.appd),
    });
  }
  return files;
}

export function chartTgz(options: Parameters<typeof chartFiles>[0] = {}) {
  return buildTarGz(chartFiles(options));
}

export function toscaMeta(fields: Record<string, string>): string {
  return Object.entries({
    'TOSCA-Meta-File-Version': '1.0',
    'CSAR-Version': '1.1',
    'Created-By': 'test',
    ...fields,
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')
    .concat('\n');
}

/** A well-formed CSAR-style MEC package; `extra` entries are appended. */
export function mecPackageZip(
  options: {
    appd?: unknown;
    chart?: Buffer;
    extra?: ZipEntrySpec[];
  } = {},
): Buffer {
  return buildZip([
    {
      name: 'TOSCA-Metadata/TOSCA.meta',
      content: toscaMeta({ 'Entry-Definitions': 'Definitions/appd.yaml' }),
    },
    {
      name: 'Definitions/appd.yaml',
      content: stringify(options.appd ?? validAppD),
    },
    { name: 'Artifacts/demo-0.1.0.tgz', content: options.chart ?? chartTgz() },
    ...(options.extra ?? []),
  ]);
}
