import { createHash } from 'node:crypto';
import { PackageContentError } from './PackageContentError';
import { verifyManifest } from './packageMetadata';
import * as checksums from './verifyChecksum';

jest.mock('./verifyChecksum', () => {
  const actual = jest.requireActual('./verifyChecksum');
  return {
    ...actual,
    computeChecksumInChunks: jest.fn(actual.computeChecksumInChunks),
  };
});

const sha256 = (b: Buffer | string) =>
  createHash('sha256').update(b).digest('hex');

function manifestOf(entries: { source: string; content?: Buffer }[]): string {
  return entries
    .flatMap(({ source, content }) => [
      `Source: ${source}`,
      ...(content ? ['Algorithm: SHA-256', `Hash: ${sha256(content)}`] : []),
      '',
    ])
    .join('\n');
}

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

describe('verifyManifest', () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'a');
  const small = Buffer.from('kind: Deployment\n');
  const files = new Map([
    ['Artifacts/big.bin', big],
    ['Definitions/appd.yaml', small],
    ['demo.mf', Buffer.from('')],
  ]);

  beforeEach(() => jest.clearAllMocks());

  it('verifies each listed file, hashing it once', async () => {
    const text = manifestOf([
      { source: 'Artifacts/big.bin', content: big },
      { source: './Definitions/appd.yaml', content: small },
      { source: 'docker://registry.example.com/demo:1.2.3' },
    ]);
    await expect(verifyManifest('demo.mf', text, files)).resolves.toEqual([
      'Artifacts/big.bin',
      'Definitions/appd.yaml',
    ]);
    expect(checksums.computeChecksumInChunks).toHaveBeenCalledTimes(2);
  });

  it('refuses a file listed more than once, before hashing anything', async () => {
    const text = manifestOf([
      { source: 'Artifacts/big.bin', content: big },
      { source: './Artifacts/big.bin', content: big },
    ]);
    const error = await errorOf(verifyManifest('demo.mf', text, files));
    expect(error.kind).toBe('structure');
    expect(error.title).toBe('Invalid manifest');
    expect(error.detail).toContain('more than once');
    expect(checksums.computeChecksumInChunks).not.toHaveBeenCalled();
  });

  it('refuses more listed files than the package has entries', async () => {
    const text = manifestOf(
      Array.from({ length: 2000 }, () => ({
        source: 'Artifacts/big.bin',
        content: big,
      })),
    );
    const error = await errorOf(verifyManifest('demo.mf', text, files));
    expect(error.kind).toBe('structure');
    expect(error.detail).toContain('lists 2000 files');
    expect(checksums.computeChecksumInChunks).not.toHaveBeenCalled();
  });

  it('reports a missing file before hashing the ones listed above it', async () => {
    const text = manifestOf([
      { source: 'Artifacts/big.bin', content: big },
      { source: 'Artifacts/missing.tgz', content: small },
    ]);
    const error = await errorOf(verifyManifest('demo.mf', text, files));
    expect(error.title).toBe('Incomplete package');
    expect(checksums.computeChecksumInChunks).not.toHaveBeenCalled();
  });

  it('reports a digest mismatch', async () => {
    const text = manifestOf([
      { source: 'Definitions/appd.yaml', content: Buffer.from('other') },
    ]);
    const error = await errorOf(verifyManifest('demo.mf', text, files));
    expect(error.kind).toBe('checksum');
    expect(error.title).toBe('Manifest digest mismatch');
  });

  it('lets other callbacks run while it hashes', async () => {
    const text = manifestOf([{ source: 'Artifacts/big.bin', content: big }]);
    let settled = false;
    let ranWhilePending = false;
    const verification = verifyManifest('demo.mf', text, files).finally(() => {
      settled = true;
    });
    setImmediate(() => {
      ranWhilePending = !settled;
    });
    await verification;
    expect(ranWhilePending).toBe(true);
  });
});
