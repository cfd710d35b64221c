import { createHash } from 'node:crypto';
import { PackageContentError } from './PackageContentError';
import {
  computeChecksum,
  computeChecksumInChunks,
  normaliseChecksumAlgorithm,
  verifyChecksum,
} from './verifyChecksum';

const content = Buffer.from('a MEC package');
const digest = (alg: string) => createHash(alg).update(content).digest('hex');

async function errorOf(
  promise: Promise<unknown>,
): Promise<PackageContentError> {
  try {
    await promise;
  } catch (error) {
    return error as PackageContentError;
  }
  throw new Error('expected an error');
}

describe('verifyChecksum', () => {
  it.each([
    ['SHA-256', 'sha256'],
    ['sha256', 'sha256'],
    ['SHA256', 'sha256'],
    ['sha-384', 'sha384'],
    ['SHA-512', 'sha512'],
    ['sha_512', 'sha512'],
  ])('accepts algorithm spelled %s', async (algorithm, node) => {
    await expect(
      verifyChecksum(content, { algorithm, hash: digest(node) }),
    ).resolves.toBeUndefined();
  });

  it('compares hex case-insensitively and ignores surrounding space', async () => {
    await expect(
      verifyChecksum(content, {
        algorithm: 'SHA-256',
        hash: ` ${digest('sha256').toUpperCase()} `,
      }),
    ).resolves.toBeUndefined();
  });

  it('reports a mismatch with both digests', async () => {
    const error = await errorOf(
      verifyChecksum(content, { algorithm: 'SHA-256', hash: 'ab'.repeat(32) }),
    );
    expect(error).toBeInstanceOf(PackageContentError);
    expect(error.kind).toBe('checksum');
    expect(error.title).toBe('Checksum mismatch');
    expect(error.detail).toContain(digest('sha256'));
    expect(error.detail).toContain('ab'.repeat(32));
    expect(error.problems).toEqual([error.detail]);
  });

  it('rejects an unknown algorithm', async () => {
    const error = await errorOf(
      verifyChecksum(content, { algorithm: 'MD5', hash: digest('md5') }),
    );
    expect(error.kind).toBe('checksum');
    expect(error.title).toBe('Unsupported checksum algorithm');
    expect(error.detail).toContain('"MD5"');
  });

  it('rejects a hash of the wrong length for the algorithm', async () => {
    const error = await errorOf(
      verifyChecksum(content, { algorithm: 'SHA-512', hash: digest('sha256') }),
    );
    expect(error.title).toBe('Invalid checksum');
    expect(error.detail).toContain('128 hexadecimal characters');
  });

  it('normalises algorithm names to the ETSI spelling', () => {
    expect(normaliseChecksumAlgorithm('sha384')).toBe('SHA-384');
    expect(normaliseChecksumAlgorithm('SHA3-256')).toBeUndefined();
  });
});

describe('computeChecksumInChunks', () => {
  it.each(['SHA-256', 'SHA-384', 'SHA-512'])(
    'matches the one-shot %s digest across chunk boundaries',
    async algorithm => {
      const large = Buffer.alloc(2.5 * 1024 * 1024);
      for (let i = 0; i < large.length; i += 1) large[i] = (i * 31) % 251;
      await expect(computeChecksumInChunks(large, algorithm)).resolves.toBe(
        computeChecksum(large, algorithm),
      );
      await expect(
        computeChecksumInChunks(Buffer.alloc(0), algorithm),
      ).resolves.toBe(computeChecksum(Buffer.alloc(0), algorithm));
    },
  );

  it('refuses an unknown algorithm', async () => {
    await expect(computeChecksumInChunks(content, 'MD5')).rejects.toMatchObject(
      { kind: 'checksum', title: 'Unsupported checksum algorithm' },
    );
  });
});
