import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { PackageContentError } from './PackageContentError';
import { readHelmChartArchive } from './readHelmChartArchive';
import {
  buildTar,
  buildTarGz,
  chartFiles,
  chartTgz,
  validAppD,
} from './__testUtils__/archives';

function errorOf(fn: () => unknown): PackageContentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PackageContentError);
    return error as PackageContentError;
  }
  throw new Error('expected an error');
}

describe('readHelmChartArchive', () => {
  it('reads Chart.yaml and the AppD at mec/appd.yaml', () => {
    const archive = chartTgz({ appd: { ...validAppD, mecVersion: ['3.1.1'] } });
    const result = readHelmChartArchive(archive);
    expect(result.derived).toBe(false);
    expect(result.derivation).toEqual([]);
    expect(result.appd).toEqual({ ...validAppD, mecVersion: '3.1.1' });
    expect(result.appdFile).toMatchObject({
      path: 'demo/mec/appd.yaml',
      mediaType: 'application/yaml',
    });
    expect(parse(result.appdFile.text).appDId).toBe('a1b2c3');
    expect(result.chart).toMatchObject({
      name: 'demo',
      version: '0.1.0',
      appVersion: '1.2.3',
      description: 'Demo chart',
      root: 'demo',
    });
    expect(result.chart.archive).toBe(archive);
    expect(result.files).toEqual([
      'demo/Chart.yaml',
      'demo/mec/appd.yaml',
      'demo/templates/deployment.yaml',
    ]);
  });

  it('follows the helmmec.io/appd annotation to a JSON AppD', () => {
    const archive = buildTarGz([
      ...chartFiles({
        chartYaml: { annotations: { 'helmmec.io/appd': 'etsi/appd.json' } },
      }),
      { name: 'demo/etsi/appd.json', content: JSON.stringify(validAppD) },
    ]);
    const result = readHelmChartArchive(archive);
    expect(result.appdFile.path).toBe('demo/etsi/appd.json');
    expect(result.appdFile.mediaType).toBe('application/json');
    expect(result.appd.appDId).toBe('a1b2c3');
  });

  it('fails when the annotated AppD is missing', () => {
    const error = errorOf(() =>
      readHelmChartArchive(
        chartTgz({
          chartYaml: { annotations: { 'helmmec.io/appd': 'x.yaml' } },
        }),
      ),
    );
    expect(error.kind).toBe('structure');
    expect(error.detail).toContain('demo/x.yaml');
  });

  it('derives the AppD from Chart.yaml and values.yaml when the chart has none', () => {
    const result = readHelmChartArchive(
      chartTgz({
        chartYaml: { maintainers: [{ name: 'Edge Team', email: 'e@x' }] },
        values: { image: { repository: 'ghcr.io/acme/demo', tag: '1.2.3' } },
      }),
    );
    expect(result.derived).toBe(true);
    expect(result.appd).toEqual({
      appDId: 'demo-0.1.0',
      appName: 'demo',
      appProvider: 'Edge Team',
      appSoftVersion: '1.2.3',
      appDVersion: '0.1.0',
      mecVersion: '3.1.1',
      appDescription: 'Demo chart',
      swImageDescriptor: [
        {
          id: 'demo',
          name: 'ghcr.io/acme/demo',
          version: '1.2.3',
          containerFormat: 'DOCKER',
          swImage: 'ghcr.io/acme/demo:1.2.3',
        },
      ],
      mciopId: 'demo-0.1.0',
    });
    expect(result.derivation).toEqual(
      expect.arrayContaining([
        { attribute: 'appDId', source: 'demo/Chart.yaml name and version' },
        {
          attribute: 'appProvider',
          source: 'demo/Chart.yaml maintainers[0].name',
        },
        {
          attribute: 'swImageDescriptor',
          source: 'demo/values.yaml image.repository and image.tag',
        },
      ]),
    );
    expect(result.appdFile.text).toContain('# AppD derived by HelmMEC');
    expect(parse(result.appdFile.text)).toEqual(result.appd);
  });

  it('prefers the mec.etsi.org annotations and falls back to defaults', () => {
    const result = readHelmChartArchive(
      chartTgz({
        chartYaml: {
          appVersion: undefined,
          description: undefined,
          annotations: { 'mec.etsi.org/appDId': 'urn:acme:demo' },
        },
      }),
    );
    expect(result.appd).toMatchObject({
      appDId: 'urn:acme:demo',
      appProvider: 'unknown',
      appSoftVersion: '0.1.0',
      appDescription: 'Helm chart demo 0.1.0',
      swImageDescriptor: [{ id: 'demo', name: 'demo', version: '0.1.0' }],
    });
    expect(result.derivation).toContainEqual({
      attribute: 'appDId',
      source: 'demo/Chart.yaml annotation mec.etsi.org/appDId',
    });
  });

  it('reports an invalid chart AppD as kind appd', () => {
    const error = errorOf(() =>
      readHelmChartArchive(
        chartTgz({ appd: { ...validAppD, trafficRuleDescriptor: [] } }),
      ),
    );
    expect(error.kind).toBe('appd');
    expect(error.detail).toContain('did you mean "appTrafficRule"');
  });

  it.each([
    [
      'a traversal name',
      { name: 'demo/../../etc/passwd', content: 'x' },
      'path traversal',
    ],
    ['an absolute name', { name: '/etc/passwd', content: 'x' }, 'absolute'],
    ['a backslash', { name: 'demo\\..\\x', content: 'x' }, 'backslash'],
    [
      'a symlink',
      { name: 'demo/link', type: '2', linkname: '/etc/passwd' },
      'symbolic link',
    ],
    [
      'a hard link',
      { name: 'demo/hard', type: '1', linkname: 'demo/Chart.yaml' },
      'hard link',
    ],
    ['a FIFO', { name: 'demo/fifo', type: '6' }, 'named pipe'],
  ])('rejects %s', (_what, entry, message) => {
    const error = errorOf(() =>
      readHelmChartArchive(buildTarGz([...chartFiles({}), entry])),
    );
    expect(error.kind).toBe('archive');
    expect(error.detail).toContain(message);
  });

  it('rejects duplicate entries', () => {
    const files = chartFiles({});
    const error = errorOf(() =>
      readHelmChartArchive(buildTarGz([...files, files[0]])),
    );
    expect(error.title).toBe('Duplicate archive entry');
    expect(error.detail).toContain('demo/Chart.yaml');
  });

  it('rejects content that is not gzip', () => {
    const error = errorOf(() =>
      readHelmChartArchive(Buffer.from('PK\u0003\u0004 not a chart')),
    );
    expect(error.kind).toBe('archive');
    expect(error.title).toBe('Not a gzip archive');
  });

  it('rejects a truncated gzip stream', () => {
    const archive = chartTgz();
    const error = errorOf(() =>
      readHelmChartArchive(archive.subarray(0, archive.length - 20)),
    );
    expect(error.kind).toBe('archive');
    expect(error.title).toBe('Corrupt gzip archive');
  });

  it('rejects a tar cut short inside a file', () => {
    const tar = buildTar(chartFiles({ values: { big: 'x'.repeat(2000) } }));
    const error = errorOf(() =>
      readHelmChartArchive(gzipSync(tar.subarray(0, 2048))),
    );
    expect(error.title).toBe('Truncated tar archive');
  });

  it('rejects a tar without its end-of-archive marker', () => {
    const tar = buildTar(chartFiles({}));
    const error = errorOf(() =>
      readHelmChartArchive(gzipSync(tar.subarray(0, tar.length - 1024))),
    );
    expect(error.detail).toContain('end-of-archive marker');
  });

  it('stops inflating a gzip bomb at the ratio cap', () => {
    const bomb = gzipSync(
      buildTar([
        ...chartFiles({}),
        { name: 'demo/zeros', content: Buffer.alloc(20 * 1024 * 1024) },
      ]),
    );
    expect(bomb.length).toBeLessThan(100 * 1024);
    const error = errorOf(() => readHelmChartArchive(bomb));
    expect(error.kind).toBe('limits');
    expect(error.title).toBe('Suspicious compression ratio');
  });

  it('enforces the configured limits', () => {
    const archive = chartTgz({ values: { a: 'x'.repeat(3000) } });
    expect(
      errorOf(() => readHelmChartArchive(archive, { maxEntries: 2 })).title,
    ).toBe('Too many archive entries');
    expect(
      errorOf(() =>
        readHelmChartArchive(archive, { maxTotalUncompressedBytes: 2000 }),
      ).kind,
    ).toBe('limits');
    expect(
      errorOf(() => readHelmChartArchive(archive, { maxArchiveBytes: 100 }))
        .title,
    ).toBe('Chart archive too large');
  });

  it('caps Chart.yaml and values.yaml before parsing them', () => {
    // Random text: large, but not a suspicious compression ratio.
    const blob = randomBytes(600 * 1024).toString('hex');
    for (const [file, archive] of [
      ['demo/values.yaml', chartTgz({ appd: validAppD, values: { blob } })],
      ['demo/Chart.yaml', chartTgz({ chartYaml: { blob } })],
    ] as const) {
      const error = errorOf(() => readHelmChartArchive(archive));
      expect(error.kind).toBe('limits');
      expect(error.title).toBe('Chart file too large');
      expect(error.detail).toContain(file);
    }
    const archive = chartTgz({ values: { a: 'x'.repeat(3000) } });
    expect(() => readHelmChartArchive(archive)).not.toThrow();
    expect(
      errorOf(() => readHelmChartArchive(archive, { maxChartYamlBytes: 1000 }))
        .title,
    ).toBe('Chart file too large');
  });

  it('rejects archives that are not charts', () => {
    expect(
      errorOf(() =>
        readHelmChartArchive(
          buildTarGz([{ name: 'demo/values.yaml', content: 'a: 1' }]),
        ),
      ).detail,
    ).toContain('there is no demo/Chart.yaml');
    expect(
      errorOf(() =>
        readHelmChartArchive(
          buildTarGz([
            { name: 'Chart.yaml', content: 'name: x\nversion: 1.0.0' },
          ]),
        ),
      ).detail,
    ).toContain('one top-level directory');
    expect(
      errorOf(() => readHelmChartArchive(chartTgz({ version: 'latest' })))
        .detail,
    ).toContain('SemVer');
  });
});
