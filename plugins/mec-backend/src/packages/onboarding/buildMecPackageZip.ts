/*
 * Wraps a Helm chart and its AppD into an ETSI MEC application package ZIP
 * (TOSCA-Metadata/TOSCA.meta + AppD + chart artifact), so that every
 * onboarded package offers the same package_content, however it came in.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00 in DOS time: fixed, so the same input gives the same bytes.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/** Writes a ZIP with stored (uncompressed) entries, in the given order. */
export function writeStoredZip(
  entries: Array<{ name: string; data: Buffer }>,
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, entry.data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Builds the MEC package ZIP for a chart and its AppD file. */
export function buildMecPackageZip(options: {
  appdFileName: string;
  appdText: string;
  chartFileName: string;
  chartArchive: Buffer;
}): Buffer {
  const appdPath = `Definitions/${options.appdFileName}`;
  const chartPath = `Artifacts/${options.chartFileName}`;
  const meta = [
    'TOSCA-Meta-File-Version: 1.0',
    'CSAR-Version: 1.1',
    'Created-By: HelmMEC',
    `Entry-Definitions: ${appdPath}`,
    '',
    `Source: ${chartPath}`,
    'Content-Type: application/vnd.cncf.helm.chart.content.v1.tar+gzip',
    '',
  ].join('\n');
  return writeStoredZip([
    { name: 'TOSCA-Metadata/TOSCA.meta', data: Buffer.from(meta, 'utf8') },
    { name: appdPath, data: Buffer.from(options.appdText, 'utf8') },
    { name: chartPath, data: options.chartArchive },
  ]);
}
