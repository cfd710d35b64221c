import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readHelmChartArchive } from './readHelmChartArchive';
import { readMecPackageArchive } from './readMecPackageArchive';
import { readTarGzArchive } from './readTarGzArchive';
import { DEFAULT_PACKAGE_CONTENT_LIMITS } from './limits';
import { verifyChecksum } from './verifyChecksum';

// eslint-disable-next-line no-restricted-syntax
const examples = resolve(__dirname, '../../../../../examples');
const packagesDir = join(examples, 'packages');
const checksums: Record<string, { algorithm: string; hash: string }> =
  JSON.parse(readFileSync(join(packagesDir, 'checksums.json'), 'utf8'));
const REBUILD = 'rebuild them with `node examples/packages/build.mjs`';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : [join(dir, entry.name)],
  );
}

describe.each(['video-analytics', 'location-service'])(
  'example package %s',
  name => {
    const zipFile = `${name}.zip`;

    it('matches checksums.json', async () => {
      expect(checksums[zipFile]).toBeDefined();
      await expect(
        verifyChecksum(
          readFileSync(join(packagesDir, zipFile)),
          checksums[zipFile],
        ),
      ).resolves.toBeUndefined();
    });

    it('is a complete, valid MEC package', async () => {
      const pkg = await readMecPackageArchive(
        readFileSync(join(packagesDir, zipFile)),
      );
      expect(pkg.appd.appName).toBe(name);
      expect(pkg.appd.mecVersion).toBe('3.1.1');
      expect(pkg.chart.name).toBe(name);
      expect(pkg.chartPath).toBe(`Artifacts/${name}-${pkg.chart.version}.tgz`);
      expect(pkg.manifestPath).toBe(`${name}.mf`);
      expect(pkg.files).toEqual(
        [
          `Artifacts/${name}-${pkg.chart.version}.tgz`,
          'Definitions/appd.yaml',
          'TOSCA-Metadata/TOSCA.meta',
          `${name}.mf`,
        ].sort(),
      );
    });

    it(`is up to date with examples/charts/${name} (else ${REBUILD})`, async () => {
      const chartDir = join(examples, 'charts', name);
      const pkg = await readMecPackageArchive(
        readFileSync(join(packagesDir, zipFile)),
      );
      expect(pkg.appdFile.text).toBe(
        readFileSync(join(chartDir, 'mec', 'appd.yaml'), 'utf8'),
      );
      const packed = readTarGzArchive(
        pkg.chart.archive,
        DEFAULT_PACKAGE_CONTENT_LIMITS,
        name,
      );
      for (const [path, content] of packed) {
        const onDisk = join(examples, 'charts', path);
        expect(existsSync(onDisk)).toBe(true);
        expect(content.toString('utf8')).toBe(readFileSync(onDisk, 'utf8'));
      }
      const expected = filesUnder(chartDir)
        .map(f => `${name}/${relative(chartDir, f)}`)
        .filter(f => !/\.(tmp)$|\.DS_Store$/.test(f));
      expect([...packed.keys()].sort()).toEqual(expected.sort());
    });

    it('ships its chart alone for onboarding from a chart URL', async () => {
      const chartFile = Object.keys(checksums).find(f =>
        f.startsWith(`charts/${name}-`),
      )!;
      const archive = readFileSync(join(packagesDir, chartFile));
      await verifyChecksum(archive, checksums[chartFile]);
      const chart = readHelmChartArchive(archive);
      expect(chart.derived).toBe(false);
      expect(chart.appdFile.path).toBe(`${name}/mec/appd.yaml`);
      expect(chart.appd.appName).toBe(name);
    });
  },
);
