import { DEFAULT_PACKAGE_CONTENT_LIMITS } from './limits';
import { PackageContentError } from './PackageContentError';
import { readHelmChartArchive } from './readHelmChartArchive';
import { readTarGzArchive } from './readTarGzArchive';
import { checkValuesSchemaRefs } from './valuesSchemaRefs';
import {
  buildTarGz,
  chartFiles,
  TarEntrySpec,
  validAppD,
} from './__testUtils__/archives';

const schemaFile = (path: string, schema: unknown): TarEntrySpec => ({
  name: path,
  content: typeof schema === 'string' ? schema : JSON.stringify(schema),
});

const chartWith = (...extra: TarEntrySpec[]) =>
  buildTarGz([...chartFiles({ appd: validAppD }), ...extra]);

function refusal(archive: Buffer): PackageContentError {
  try {
    readHelmChartArchive(archive);
  } catch (error) {
    expect(error).toBeInstanceOf(PackageContentError);
    return error as PackageContentError;
  }
  throw new Error('expected the chart to be refused');
}

describe('checkValuesSchemaRefs', () => {
  it('onboards a chart whose schema has local refs only', () => {
    const archive = chartWith(
      schemaFile('demo/values.schema.json', {
        $schema: 'https://json-schema.org/draft-07/schema#',
        type: 'object',
        definitions: { port: { type: 'integer', maximum: 65535 } },
        properties: {
          service: {
            type: 'object',
            properties: { port: { $ref: '#/definitions/port' } },
          },
          // A user key named like a keyword is a schema, not a ref.
          $ref: { type: 'string' },
        },
      }),
    );
    expect(readHelmChartArchive(archive).chart.name).toBe('demo');
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/'],
    ['https://schemas.example.com/common.json#/port'],
    ['file:///etc/passwd'],
    ['common.schema.json'],
    ['//evil.example.com/x.json'],
  ])('refuses a chart whose values.schema.json refers to %s', ref => {
    const error = refusal(
      chartWith(
        schemaFile('demo/values.schema.json', {
          type: 'object',
          properties: { image: { $ref: ref } },
        }),
      ),
    );
    expect(error.kind).toBe('structure');
    expect(error.title).toBe('Values schema refers outside the chart');
    expect(error.detail).toContain('demo/values.schema.json has "$ref": ');
    expect(error.detail).toContain(JSON.stringify(ref));
  });

  it('refuses dynamic refs and a meta-schema it would fetch', () => {
    expect(
      refusal(
        chartWith(
          schemaFile('demo/values.schema.json', {
            $defs: {
              a: { items: [{ $dynamicRef: 'file:///proc/self/environ' }] },
            },
          }),
        ),
      ).detail,
    ).toContain('"$dynamicRef": "file:///proc/self/environ"');
    expect(
      refusal(
        chartWith(
          schemaFile('demo/values.schema.json', {
            $schema: 'http://10.0.0.1/meta.json',
          }),
        ),
      ).detail,
    ).toContain('"$schema": "http://10.0.0.1/meta.json", which is no standard');
  });

  it('finds refs in default and enum values too, whatever their meaning', () => {
    // Under properties, "default" can be a user key holding a schema.
    expect(
      refusal(
        chartWith(
          schemaFile('demo/values.schema.json', {
            properties: { default: { $ref: 'http://169.254.169.254/' } },
          }),
        ),
      ).detail,
    ).toContain('http://169.254.169.254/');
  });

  it('checks subcharts in directories and in nested archives', () => {
    expect(
      refusal(
        chartWith(
          { name: 'demo/charts/db/Chart.yaml', content: 'name: db\n' },
          schemaFile('demo/charts/db/values.schema.json', {
            $ref: 'https://example.com/db.json',
          }),
        ),
      ).detail,
    ).toContain('demo/charts/db/values.schema.json has "$ref"');

    const nested = buildTarGz([
      { name: 'cache/Chart.yaml', content: 'name: cache\nversion: 1.0.0\n' },
      schemaFile('cache/values.schema.json', { $ref: 'file:///etc/shadow' }),
    ]);
    const error = refusal(
      chartWith({ name: 'demo/charts/cache-1.0.0.tgz', content: nested }),
    );
    expect(error.detail).toContain(
      'demo/charts/cache-1.0.0.tgz: cache/values.schema.json has "$ref": "file:///etc/shadow"',
    );
  });

  it('leaves files that Helm does not load as schemas alone', () => {
    const files = readTarGzArchive(
      chartWith(
        schemaFile('demo/docs/values.schema.json', { $ref: 'http://x/' }),
      ),
      DEFAULT_PACKAGE_CONTENT_LIMITS,
      'demo.tgz',
    );
    expect(() =>
      checkValuesSchemaRefs(files, DEFAULT_PACKAGE_CONTENT_LIMITS, 'demo.tgz'),
    ).not.toThrow();
  });

  it('refuses a schema that is not JSON, and survives deep nesting', () => {
    expect(
      refusal(chartWith(schemaFile('demo/values.schema.json', '{"type":')))
        .title,
    ).toBe('Invalid values schema');
    const depth = 3_000;
    const deep = `${'{"items":'.repeat(
      depth,
    )}{"$ref":"http://169.254.169.254/"}${'}'.repeat(depth)}`;
    expect(
      refusal(chartWith(schemaFile('demo/values.schema.json', deep))).title,
    ).toBe('Values schema refers outside the chart');
  });
});
