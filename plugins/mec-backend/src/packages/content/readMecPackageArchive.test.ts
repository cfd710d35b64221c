import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { PackageContentError } from './PackageContentError';
import { readMecPackageArchive } from './readMecPackageArchive';
import {
  buildZip,
  chartTgz,
  mecPackageZip,
  toscaMeta,
  validAppD,
  ZipEntrySpec,
} from './__testUtils__/archives';

async function errorOf(
  promise: Promise<unknown>,
): Promise<PackageContentError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PackageContentError);
    return error as PackageContentError;
  }
  throw new Error('expected an error');
}

const sha256 = (b: Buffer | string) =>
  createHash('sha256').update(b).digest('hex');

describe('readMecPackageArchive', () => {
  it('reads a CSAR-style package: TOSCA.meta, AppD and chart', async () => {
    const chart = chartTgz();
    const result = await readMecPackageArchive(mecPackageZip({ chart }));
    expect(result.appd).toEqual(validAppD);
    expect(result.appdFile).toEqual({
      path: 'Definitions/appd.yaml',
      text: stringify(validAppD),
      mediaType: 'application/yaml',
    });
    expect(result.chartPath).toBe('Artifacts/demo-0.1.0.tgz');
    expect(result.chart.archive.equals(chart)).toBe(true);
    expect(result.chart).toMatchObject({ name: 'demo', version: '0.1.0' });
    expect(result.files).toEqual([
      'Artifacts/demo-0.1.0.tgz',
      'Definitions/appd.yaml',
      'TOSCA-Metadata/TOSCA.meta',
    ]);
    expect(result.toscaMeta?.['Entry-Definitions']).toEqual([
      'Definitions/appd.yaml',
    ]);
  });

  it('ignores the chart`s own AppD in favour of the package AppD', async () => {
    const chart = chartTgz({ appd: { ...validAppD, appDId: 'from-chart' } });
    const result = await readMecPackageArchive(mecPackageZip({ chart }));
    expect(result.appd.appDId).toBe('a1b2c3');
  });

  it('verifies the manifest digests and finds the chart via Other-Definitions', async () => {
    const chart = chartTgz();
    const appd = JSON.stringify(validAppD);
    const manifest = [
      'metadata:',
      'app_name: demo',
      '',
      'Source: Definitions/appd.json',
      'Algorithm: SHA-256',
      `Hash: ${sha256(appd)}`,
      '',
      'Source: Artifacts/chart/demo.tgz',
      'Algorithm: SHA-256',
      `Hash: ${sha256(chart).toUpperCase()}`,
    ].join('\n');
    const entries: ZipEntrySpec[] = [
      {
        name: 'TOSCA-Metadata/TOSCA.meta',
        content: toscaMeta({
          'Entry-Definitions': 'Definitions/appd.json',
          'ETSI-Entry-Manifest': 'demo.mf',
          'Other-Definitions': 'Artifacts/chart/demo.tgz',
        }),
      },
      { name: 'Definitions/', content: '' },
      { name: 'Definitions/appd.json', content: appd },
      { name: 'demo.mf', content: manifest },
      { name: 'Artifacts/chart/demo.tgz', content: chart },
      { name: 'Artifacts/other.tgz', content: chartTgz({ name: 'other' }) },
    ];
    const result = await readMecPackageArchive(buildZip(entries));
    expect(result.manifestPath).toBe('demo.mf');
    expect(result.chartPath).toBe('Artifacts/chart/demo.tgz');
    expect(result.appdFile.mediaType).toBe('application/json');

    const tampered = entries.map(e =>
      e.name === 'Definitions/appd.json'
        ? { ...e, content: JSON.stringify({ ...validAppD, appName: 'evil' }) }
        : e,
    );
    const error = await errorOf(readMecPackageArchive(buildZip(tampered)));
    expect(error.kind).toBe('checksum');
    expect(error.title).toBe('Manifest digest mismatch');
  });

  it('accepts a package without TOSCA.meta: one AppD at the root and one chart', async () => {
    const result = await readMecPackageArchive(
      buildZip([
        { name: 'appd.yaml', content: stringify(validAppD) },
        { name: 'charts/demo-0.1.0.tgz', content: chartTgz() },
        { name: 'docs/README.md', content: '# demo' },
      ]),
    );
    expect(result.appdFile.path).toBe('appd.yaml');
    expect(result.toscaMeta).toBeUndefined();
  });

  it('picks the chart named by mciopId among several', async () => {
    const result = await readMecPackageArchive(
      buildZip([
        {
          name: 'appd.yaml',
          content: stringify({ ...validAppD, mciopId: 'b-0.1.0' }),
        },
        { name: 'Artifacts/a-0.1.0.tgz', content: chartTgz({ name: 'a' }) },
        { name: 'Artifacts/b-0.1.0.tgz', content: chartTgz({ name: 'b' }) },
      ]),
    );
    expect(result.chart.name).toBe('b');
  });

  it.each([
    [
      'no AppD',
      [{ name: 'Artifacts/demo.tgz', content: chartTgz() }],
      'neither TOSCA-Metadata/TOSCA.meta nor an AppD file',
    ],
    [
      'several root AppD candidates',
      [
        { name: 'a.yaml', content: stringify(validAppD) },
        { name: 'b.json', content: '{}' },
      ],
      'several possible AppD files at its root (a.yaml, b.json)',
    ],
    [
      'no chart',
      [{ name: 'appd.yaml', content: stringify(validAppD) }],
      'contains no Helm chart archive',
    ],
    [
      'several charts and no designation',
      [
        { name: 'appd.yaml', content: stringify(validAppD) },
        { name: 'a.tgz', content: chartTgz({ name: 'a' }) },
        { name: 'b.tgz', content: chartTgz({ name: 'b' }) },
      ],
      'several chart archives (a.tgz, b.tgz)',
    ],
    [
      'an Entry-Definitions that does not exist',
      [
        {
          name: 'TOSCA-Metadata/TOSCA.meta',
          content: toscaMeta({
            'Entry-Definitions': 'Definitions/missing.yaml',
          }),
        },
      ],
      'names the AppD "Definitions/missing.yaml"',
    ],
  ])('rejects a package with %s', async (_what, entries, message) => {
    const error = await errorOf(readMecPackageArchive(buildZip(entries)));
    expect(error.kind).toBe('structure');
    expect(error.detail).toContain(message);
  });

  it('rejects an invalid AppD with all its problems', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({
          appd: {
            ...validAppD,
            appProvder: 'x',
            appDNSRule: [
              {
                dnsRuleId: 'd',
                domainName: 'x',
                ipAddressType: 'V4',
                ipAddress: 'a',
              },
            ],
          },
        }),
      ),
    );
    expect(error.kind).toBe('appd');
    expect(error.problems).toHaveLength(2);
    expect(error.detail).toMatch(
      /^The AppD "Definitions\/appd.yaml" has 2 problems: /,
    );
  });

  it('rejects an AppD that is not YAML or too large', async () => {
    const broken = buildZip([
      { name: 'appd.yaml', content: 'appDId: [unclosed' },
      { name: 'a.tgz', content: chartTgz() },
    ]);
    expect((await errorOf(readMecPackageArchive(broken))).title).toBe(
      'Unparsable YAML',
    );
    expect(
      (
        await errorOf(
          readMecPackageArchive(mecPackageZip(), { maxAppDBytes: 10 }),
        )
      ).title,
    ).toBe('AppD too large');
  });

  it('rejects garbage bytes as not a ZIP archive', async () => {
    const error = await errorOf(
      readMecPackageArchive(Buffer.from('<html>502 Bad Gateway</html>')),
    );
    expect(error.kind).toBe('archive');
    expect(error.title).toBe('Not a ZIP archive');
  });

  it('rejects a truncated ZIP', async () => {
    const zip = mecPackageZip();
    const error = await errorOf(
      readMecPackageArchive(zip.subarray(0, Math.floor(zip.length / 2))),
    );
    expect(error.kind).toBe('archive');
    expect(error.title).toBe('Truncated ZIP archive');
  });

  it.each([
    [
      'a traversal name',
      { name: '../../etc/cron.d/x', content: 'x' },
      'path traversal',
    ],
    [
      'a nested traversal',
      { name: 'Artifacts/../../x', content: 'x' },
      'path traversal',
    ],
    ['an absolute name', { name: '/etc/passwd', content: 'x' }, 'absolute'],
    ['a drive letter', { name: 'C:/Windows/x', content: 'x' }, 'absolute'],
    ['a backslash', { name: '..\\..\\x', content: 'x' }, 'backslash'],
    [
      'a symlink',
      { name: 'Artifacts/link', content: '/etc/passwd', unixMode: 0o120777 },
      'symbolic link',
    ],
    [
      'a device file',
      { name: 'Artifacts/dev', content: '', unixMode: 0o020644 },
      'not a regular file',
    ],
    [
      'an encrypted entry',
      { name: 'secret.txt', content: 'x', flags: 1 },
      'encrypted',
    ],
    [
      'an unknown compression method',
      { name: 'x.bin', content: 'x', method: 12 },
      'compression method 12',
    ],
  ])('rejects %s', async (_what, entry, message) => {
    const error = await errorOf(
      readMecPackageArchive(mecPackageZip({ extra: [entry as ZipEntrySpec] })),
    );
    expect(error.kind).toBe('archive');
    expect(error.detail).toContain(message);
  });

  it('rejects duplicate entry names, also after normalisation', async () => {
    for (const name of ['Definitions/appd.yaml', 'Definitions//./appd.yaml']) {
      const error = await errorOf(
        readMecPackageArchive(
          mecPackageZip({ extra: [{ name, content: 'x' }] }),
        ),
      );
      expect(error.title).toBe('Duplicate archive entry');
    }
  });

  it('rejects a zip bomb by its declared size before inflating', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({
          extra: [{ name: 'bomb.bin', content: 'x', declaredSize: 0xfffffff0 }],
        }),
      ),
    );
    expect(error.kind).toBe('limits');
    expect(error.title).toBe('Package content too large');
  });

  it('rejects a highly compressed entry by its ratio', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({
          extra: [
            { name: 'zeros.bin', content: Buffer.alloc(8 * 1024 * 1024) },
          ],
        }),
      ),
    );
    expect(error.title).toBe('Suspicious compression ratio');
  });

  it('checks the ratio of entries from 64 KiB on', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({
          extra: [{ name: 'zeros.bin', content: Buffer.alloc(100 * 1024) }],
        }),
      ),
    );
    expect(error.kind).toBe('limits');
    expect(error.title).toBe('Suspicious compression ratio');
    expect(error.detail).toContain('"zeros.bin"');
  });

  it('checks the ratio of the archive as a whole, so small bombs cannot add up', async () => {
    const extra = Array.from({ length: 40 }, (_, i) => ({
      name: `Files/zeros-${i}.bin`,
      content: Buffer.alloc(60 * 1024),
    }));
    const error = await errorOf(
      readMecPackageArchive(mecPackageZip({ extra })),
    );
    expect(error.kind).toBe('limits');
    expect(error.title).toBe('Suspicious compression ratio');
    expect(error.detail).toMatch(/^The package inflates from/);
  });

  it('refuses a manifest naming one file many times, before hashing it', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 'x');
    const line = [
      'Source: Artifacts/big.bin',
      'Algorithm: SHA-256',
      `Hash: ${sha256(big)}`,
    ].join('\n');
    const entries = (times: number): ZipEntrySpec[] => [
      {
        name: 'TOSCA-Metadata/TOSCA.meta',
        content: toscaMeta({
          'Entry-Definitions': 'Definitions/appd.yaml',
          'ETSI-Entry-Manifest': 'demo.mf',
        }),
      },
      { name: 'Definitions/appd.yaml', content: stringify(validAppD) },
      // Stored: the ratio check is not what this test is about.
      {
        name: 'demo.mf',
        content: Array(times).fill(line).join('\n\n'),
        method: 0,
      },
      { name: 'Artifacts/big.bin', content: big, method: 0 },
      { name: 'Artifacts/demo.tgz', content: chartTgz() },
    ];
    const many = await errorOf(readMecPackageArchive(buildZip(entries(2000))));
    expect(many.kind).toBe('structure');
    expect(many.detail).toContain('lists 2000 files');
    const twice = await errorOf(readMecPackageArchive(buildZip(entries(2))));
    expect(twice.kind).toBe('structure');
    expect(twice.detail).toContain('more than once');
    await expect(
      readMecPackageArchive(buildZip(entries(1))),
    ).resolves.toMatchObject({ manifestPath: 'demo.mf' });
  });

  it('stops an entry that inflates beyond its declared size', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({
          extra: [
            { name: 'liar.bin', content: 'y'.repeat(100000), declaredSize: 10 },
          ],
        }),
      ),
    );
    expect(error.kind).toBe('limits');
    expect(error.title).toBe('Archive entry larger than declared');
  });

  it('detects corrupted entry data by its CRC', async () => {
    const zip = mecPackageZip({
      extra: [{ name: 'x.txt', content: 'hello', method: 0 }],
    });
    const at = zip.indexOf('hello');
    zip.write('HELLO', at);
    const error = await errorOf(readMecPackageArchive(zip));
    expect(error.title).toBe('Corrupt ZIP archive');
  });

  it('enforces the configured limits', async () => {
    const zip = mecPackageZip();
    expect(
      (await errorOf(readMecPackageArchive(zip, { maxEntries: 2 }))).title,
    ).toBe('Too many archive entries');
    expect(
      (await errorOf(readMecPackageArchive(zip, { maxArchiveBytes: 100 })))
        .title,
    ).toBe('Package too large');
  });

  it('applies the limits to the chart inside the package', async () => {
    const error = await errorOf(
      readMecPackageArchive(
        mecPackageZip({ chart: Buffer.from('not gzip at all') }),
      ),
    );
    expect(error.kind).toBe('archive');
    expect(error.detail).toContain('Artifacts/demo-0.1.0.tgz');
  });
});
