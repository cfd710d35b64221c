import { PackageContentError } from '../content';
import {
  buildZip,
  chartTgz,
  mecPackageZip,
  toscaMeta,
  validAppD,
} from '../content/__testUtils__/archives';
import { PackageReaderPool } from './PackageReaderPool';
import { readPackageContent } from './readPackageContent';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('PackageReaderPool', () => {
  let pool: PackageReaderPool;

  beforeAll(() => {
    pool = new PackageReaderPool({ size: 2 });
  });

  afterAll(async () => {
    await pool.close();
  });

  it('reads a MEC package in a worker thread with the same result as in-process', async () => {
    const archive = mecPackageZip();
    const read = await pool.read(archive);
    expect(read).toEqual(await readPackageContent(archive));
    expect(Buffer.isBuffer(read.chart.archive)).toBe(true);
    expect(read.builtPackageArchive).toBeUndefined();
    // The caller's buffer was copied, not moved.
    expect(archive.length).toBeGreaterThan(0);
  });

  it('reads a bare chart: derived AppD and the package built around it', async () => {
    const archive = chartTgz({ values: { replicaCount: 1 } });
    const read = await pool.read(archive);
    const inProcess = await readPackageContent(archive);
    expect(read).toEqual(inProcess);
    expect(read.derivation?.length).toBeGreaterThan(0);
    expect(Buffer.isBuffer(read.builtPackageArchive)).toBe(true);
    expect(
      read.builtPackageArchive!.equals(inProcess.builtPackageArchive!),
    ).toBe(true);
  });

  it.each([
    ['garbage', Buffer.from('not an archive at all')],
    [
      'a zip bomb',
      mecPackageZip({
        extra: [{ name: 'bomb.bin', content: 'x', declaredSize: 0xfffffff0 }],
      }),
    ],
    [
      'a compression bomb',
      mecPackageZip({
        extra: [{ name: 'zeros.bin', content: Buffer.alloc(8 * 1024 * 1024) }],
      }),
    ],
    ['an invalid AppD', mecPackageZip({ appd: { appName: 'x' } })],
    [
      'deeply nested YAML',
      buildZip([
        {
          name: 'TOSCA-Metadata/TOSCA.meta',
          content: toscaMeta({ 'Entry-Definitions': 'appd.yaml' }),
        },
        {
          name: 'appd.yaml',
          content: `${'['.repeat(5000)}${']'.repeat(5000)}`,
        },
        { name: 'demo.tgz', content: chartTgz() },
      ]),
    ],
  ])('refuses %s with the same PackageContentError', async (_, archive) => {
    const inProcess = await errorOf(readPackageContent(archive));
    const threaded = await errorOf(pool.read(archive));
    expect(inProcess).toBeInstanceOf(PackageContentError);
    expect(threaded).toBeInstanceOf(PackageContentError);
    const { kind, title, detail, problems } = inProcess as PackageContentError;
    expect(threaded).toMatchObject({ kind, title, detail, problems });
  });

  it('queues reads beyond its size and runs them all', async () => {
    const one = new PackageReaderPool({ size: 1 });
    try {
      const archives = [1, 2, 3].map(i =>
        mecPackageZip({ appd: { ...validAppD, appDId: `app-${i}` } }),
      );
      const reads = await Promise.all(archives.map(a => one.read(a)));
      expect(reads.map(r => r.appd.appDId)).toEqual([
        'app-1',
        'app-2',
        'app-3',
      ]);
    } finally {
      await one.close();
    }
  });

  it('stops a read when its signal is aborted, and keeps serving others', async () => {
    const controller = new AbortController();
    const reading = pool.read(mecPackageZip(), { signal: controller.signal });
    controller.abort(new Error('stopping'));
    await expect(reading).rejects.toThrow('stopping');
    await expect(pool.read(mecPackageZip())).resolves.toMatchObject({
      appd: { appDId: validAppD.appDId },
    });
  });
});
