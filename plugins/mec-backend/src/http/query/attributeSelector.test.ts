import { InputError } from '@backstage/errors';
import {
  AttributeSelectorQuery,
  createAttributeSelector,
} from './attributeSelector';

const resource = {
  id: 'pkg-1',
  appName: 'video',
  mecInfo: ['3.1.1'],
  checksum: { algorithm: 'SHA-256', hash: 'abc' },
  softwareImages: [{ name: 'video' }],
  additionalArtifacts: [],
};
const options = {
  defaultExcluded: ['checksum', 'softwareImages', 'additionalArtifacts'],
  attributes: Object.keys(resource),
};

const keysAfter = (query: AttributeSelectorQuery) =>
  Object.keys(createAttributeSelector(query, options)(resource));

describe('createAttributeSelector', () => {
  it.each<[AttributeSelectorQuery, string[]]>([
    [{}, ['id', 'appName', 'mecInfo']],
    [{ exclude_default: '' }, ['id', 'appName', 'mecInfo']],
    [{ all_fields: '' }, Object.keys(resource)],
    [{ all_fields: 'true' }, Object.keys(resource)],
    // fields adds attributes back to the default set
    [{ fields: 'checksum' }, ['id', 'appName', 'mecInfo', 'checksum']],
    [
      { fields: 'checksum,softwareImages' },
      ['id', 'appName', 'mecInfo', 'checksum', 'softwareImages'],
    ],
    // a nested path keeps its whole top-level attribute
    [{ fields: 'checksum/hash' }, ['id', 'appName', 'mecInfo', 'checksum']],
    [
      { fields: 'checksum', exclude_default: '' },
      ['id', 'appName', 'mecInfo', 'checksum'],
    ],
    // exclude_fields removes just what it names
    [
      { exclude_fields: 'mecInfo' },
      ['id', 'appName', 'checksum', 'softwareImages', 'additionalArtifacts'],
    ],
    [
      { exclude_fields: 'mecInfo, appName' },
      ['id', 'checksum', 'softwareImages', 'additionalArtifacts'],
    ],
    [{ exclude_fields: 'mecInfo', exclude_default: '' }, ['id', 'appName']],
  ])('%p keeps %p', (query, kept) => {
    expect(keysAfter(query)).toEqual(kept);
  });

  describe('on nested attributes', () => {
    const instance = {
      id: 'i-1',
      vimConnectionInfo: {},
      ports: [
        { name: 'http', detail: { port: 80 } },
        { name: 'grpc', detail: { port: 81 } },
      ],
      _links: {
        self: { href: 's' },
        instantiate: { href: 'i' },
        terminate: { href: 't' },
      },
    };
    const nested = {
      defaultExcluded: [
        'vimConnectionInfo',
        '_links/instantiate',
        '_links/terminate',
      ],
      attributes: Object.keys(instance),
    };
    const after = (query: AttributeSelectorQuery) =>
      createAttributeSelector(query, nested)(instance);

    it('excludes just the nested attributes of the default set', () => {
      expect(after({})).toEqual({
        id: 'i-1',
        ports: instance.ports,
        _links: { self: { href: 's' } },
      });
    });

    it('brings back a nested attribute, or everything under a parent', () => {
      expect(after({ fields: '_links/instantiate' })._links).toEqual({
        self: { href: 's' },
        instantiate: { href: 'i' },
      });
      expect(after({ fields: '_links' })._links).toEqual(instance._links);
    });

    it('excludes a nested attribute in every element of an array', () => {
      expect(after({ exclude_fields: 'ports/detail' })).toEqual({
        ...instance,
        ports: [{ name: 'http' }, { name: 'grpc' }],
      });
      expect(instance.ports[0].detail).toEqual({ port: 80 });
    });
  });

  it('leaves the resource itself unchanged', () => {
    createAttributeSelector({}, options)(resource);
    expect(resource.checksum).toBeDefined();
  });

  it.each<[AttributeSelectorQuery, string]>([
    [
      { all_fields: '', fields: 'checksum' },
      'all_fields cannot be combined with fields, exclude_fields or exclude_default',
    ],
    [
      { all_fields: '', exclude_fields: 'mecInfo' },
      'all_fields cannot be combined with fields, exclude_fields or exclude_default',
    ],
    [
      { all_fields: '', exclude_default: '' },
      'all_fields cannot be combined with fields, exclude_fields or exclude_default',
    ],
    [
      { fields: 'checksum', exclude_fields: 'mecInfo' },
      'fields and exclude_fields cannot be combined',
    ],
    [{ all_fields: 'yes' }, 'all_fields takes no value'],
    [{ fields: '' }, 'fields must list attribute names'],
    [{ fields: 'checksum,,mecInfo' }, 'fields must list attribute names'],
    [
      { exclude_fields: 'mecInfo,' },
      'exclude_fields must list attribute names',
    ],
    [{ fields: 'signature' }, "unknown attribute 'signature' in fields"],
    [
      { exclude_fields: 'nested/hash' },
      "unknown attribute 'nested/hash' in exclude_fields",
    ],
  ])('refuses %p with a 400', (query, reason) => {
    let error: unknown;
    try {
      createAttributeSelector(query, options);
    } catch (e) {
      error = e;
    }
    // InputError is answered with 400 by http/problemDetails.ts
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `Invalid attribute selector: ${reason}`,
    );
  });
});
