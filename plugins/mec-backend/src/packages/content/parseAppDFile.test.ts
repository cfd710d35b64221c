import { PackageContentError } from './PackageContentError';
import { parseYaml } from './parseAppDFile';

describe('parseYaml', () => {
  it('refuses a mapping with a key twice, at any depth', () => {
    for (const text of ['a: 1\na: 2\n', 'x:\n  y:\n    b: 1\n    b: 2\n']) {
      expect(() => parseYaml(text, 'f.yaml')).toThrow(PackageContentError);
      expect(() => parseYaml(text, 'f.yaml')).toThrow(/keys must be unique/);
    }
  });

  it('tells keys of different types apart, as YAML does', () => {
    expect(parseYaml('1: a\n"1": b\n', 'f.yaml')).toBeDefined();
  });

  it('checks the keys of a large mapping in linear time', () => {
    const text = Array.from({ length: 45_000 }, (_, i) => `key${i}: v`).join(
      '\n',
    );
    const started = Date.now();
    expect(parseYaml(text, 'f.yaml')).toMatchObject({ key44999: 'v' });
    // The pairwise check took about 30 s here.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
