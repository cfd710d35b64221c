import { createMockDirectory } from '@backstage/backend-test-utils';
import { textPlaceholderResolver } from './textPlaceholderResolver';

/**
 * Resolves as the GitHub integration does: a root-relative path against the
 * repository at the base's ref, anything else as a URL.
 */
function resolveUrl(url: string, base: string) {
  if (url.startsWith('/')) {
    const [, repo] = /^(https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[^/]+)/.exec(
      base,
    )!;
    return `${repo}${url}`;
  }
  return new URL(url, base).toString();
}

function params(value: unknown, baseUrl: string) {
  return {
    key: 'text',
    value: value as string,
    baseUrl,
    read: jest.fn(async (url: string) => Buffer.from(`read ${url}`)),
    resolveUrl,
    emit: jest.fn(),
  };
}

describe('textPlaceholderResolver', () => {
  const dir = createMockDirectory({
    content: {
      'catalog-info.yaml': 'kind: API',
      'apis/app_lcm.yaml': 'openapi: 3.0.3',
    },
  });
  const location = dir.resolve('catalog-info.yaml');

  it('reads a path relative to a file location from disk', async () => {
    await expect(
      textPlaceholderResolver(params('./apis/app_lcm.yaml', location)),
    ).resolves.toBe('openapi: 3.0.3');
  });

  it('keeps a file location to its own folder', async () => {
    await expect(
      textPlaceholderResolver(params('../../etc/passwd', location)),
    ).rejects.toThrow(/only read files below the folder/);
    await expect(
      textPlaceholderResolver(params('/etc/passwd', location)),
    ).rejects.toThrow(/only read files below the folder/);
  });

  it('says which file is missing', async () => {
    await expect(
      textPlaceholderResolver(params('./apis/none.yaml', location)),
    ).rejects.toThrow(/could not read \.\/apis\/none\.yaml/);
  });

  it('reads URL locations through the URL reader, within the repository', async () => {
    const base = 'https://github.com/o/r/blob/main/catalog-info.yaml';
    const p = params('./apis/app_lcm.yaml', base);
    await expect(textPlaceholderResolver(p)).resolves.toBe(
      'read https://github.com/o/r/blob/main/apis/app_lcm.yaml',
    );
    expect(p.emit).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'refresh' }),
    );
    await expect(
      textPlaceholderResolver(
        params('https://github.com/other/repo/blob/main/x.yaml', base),
      ),
    ).rejects.toThrow(/same repository/);
  });

  it('refuses a value that is not a string', async () => {
    await expect(
      textPlaceholderResolver(params({ a: 1 }, location)),
    ).rejects.toThrow(/expected a string/);
  });
});
