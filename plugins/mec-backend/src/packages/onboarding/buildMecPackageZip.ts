/*
 * Wraps a Helm chart and its AppD into an ETSI MEC application package ZIP
 * (TOSCA-Metadata/TOSCA.meta + AppD + chart artifact), so that every
 * onboarded package offers the same package_content, however it came in.
 */
import { crc32 } from 'node:zlib';

// 1980-01-01 00:00 in DOS time: fixed, so the same input gives the same bytes.
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

/**
 * The fields a local file header and a central directory entry share, from
 * "version needed" to "extra field length", written at `at`.
 */
function writeEntryFields(
  header: Buffer,
  at: number,
  data: Buffer,
  crc: number,
  nameLength: number,
): void {
  header.writeUInt16LE(20, at); // version needed
  header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
  header.writeUInt16LE(0, at + 4); // stored
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(crc, at + 10);
  header.writeUInt32LE(data.length, at + 14); // compressed
  header.writeUInt32LE(data.length, at + 18); // uncompressed
  header.writeUInt16LE(nameLength, at + 22);
  header.writeUInt16LE(0, at + 24); // extra
}

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
    writeEntryFields(local, 4, entry.data, crc, name.length);
    locals.push(local, name, entry.data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    writeEntryFields(central, 6, entry.data, crc, name.length);
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

/**
 * Block 0 of `TOSCA-Metadata/TOSCA.meta` (TOSCA CSAR as profiled by ETSI GS
 * NFV-SOL 004, which MEC 010-2's package format refers to), naming the
 * AppD as the entry definitions; `artifacts` add one block each.
 */
function toscaMeta(
  entryDefinitions: string,
  artifacts: Array<{ source: string; contentType: string }> = [],
): Buffer {
  const lines = [
    'TOSCA-Meta-File-Version: 1.0',
    'CSAR-Version: 1.1',
    'Created-By: HelmMEC',
    `Entry-Definitions: ${entryDefinitions}`,
    '',
  ];
  for (const artifact of artifacts) {
    lines.push(
      `Source: ${artifact.source}`,
      `Content-Type: ${artifact.contentType}`,
      '',
    );
  }
  return Buffer.from(lines.join('\n'), 'utf8');
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
  return writeStoredZip([
    {
      name: 'TOSCA-Metadata/TOSCA.meta',
      data: toscaMeta(appdPath, [
        {
          source: chartPath,
          contentType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
        },
      ]),
    },
    { name: appdPath, data: Buffer.from(options.appdText, 'utf8') },
    { name: chartPath, data: options.chartArchive },
  ]);
}

/**
 * The AppD alone as a ZIP (`GET …/appd` with `Accept: application/zip`):
 * TOSCA.meta naming the AppD file, which lies under Definitions/.
 */
export function buildAppDZip(options: {
  appdFileName: string;
  appdText: string;
}): Buffer {
  const appdPath = `Definitions/${options.appdFileName}`;
  return writeStoredZip([
    { name: 'TOSCA-Metadata/TOSCA.meta', data: toscaMeta(appdPath) },
    { name: appdPath, data: Buffer.from(options.appdText, 'utf8') },
  ]);
}
