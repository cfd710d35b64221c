import Ajv from 'ajv';
import addFormats from 'ajv-formats';

type Spec = {
  paths: Record<string, Record<string, any>>;
  components?: Record<string, any>;
};

interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

const validators = new WeakMap<Spec, Ajv>();

function ajvFor(spec: Spec): Ajv {
  let ajv = validators.get(spec);
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(JSON.parse(JSON.stringify(spec)), 'spec');
    validators.set(spec, ajv);
  }
  return ajv;
}

const pointer = (...parts: string[]) =>
  parts.map(p => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/**
 * Asserts that a response is one the OpenAPI document allows for the
 * operation: a documented status, a documented media type, and a body that
 * validates against the schema.
 *
 * @param path - the path template as written in the document, e.g. `/app_packages/{appPkgId}`
 */
export function expectConformingResponse(
  spec: Spec,
  operation: { method: string; path: string },
  response: HttpResponse,
): void {
  const method = operation.method.toLowerCase();
  const op = spec.paths[operation.path]?.[method];
  if (!op) {
    throw new Error(
      `${method.toUpperCase()} ${
        operation.path
      } is not in the OpenAPI document`,
    );
  }
  let responseRef = `#/paths/${pointer(
    operation.path,
    method,
    'responses',
    String(response.status),
  )}`;
  let responseObject = op.responses[String(response.status)];
  if (!responseObject) {
    throw new Error(
      `${method.toUpperCase()} ${operation.path} does not document status ${
        response.status
      }; body: ${JSON.stringify(response.body)}`,
    );
  }
  if (responseObject.$ref) {
    responseRef = responseObject.$ref;
    const name = responseRef.split('/').pop()!;
    responseObject = spec.components!.responses[name];
  }
  if (!responseObject.content) {
    expect(response.text ?? '').toBe('');
    return;
  }
  const contentType = String(response.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  const media = responseObject.content[contentType];
  if (!media) {
    throw new Error(
      `${method.toUpperCase()} ${operation.path} ${
        response.status
      } does not document content type '${contentType}' (documented: ${Object.keys(
        responseObject.content,
      ).join(', ')})`,
    );
  }
  // Files (text/plain AppD, application/zip) have no JSON schema to check.
  if (!media.schema || !/[/+]json$/.test(contentType)) return;
  const ajv = ajvFor(spec);
  const schemaRef = `spec${responseRef}/${pointer(
    'content',
    contentType,
    'schema',
  )}`;
  const validate = ajv.getSchema(schemaRef);
  if (!validate) throw new Error(`cannot resolve ${schemaRef}`);
  const body =
    response.body &&
    typeof response.body === 'object' &&
    Object.keys(response.body as object).length === 0 &&
    response.text
      ? JSON.parse(response.text)
      : response.body;
  if (!validate(body)) {
    throw new Error(
      `${method.toUpperCase()} ${operation.path} ${
        response.status
      } body does not match the OpenAPI schema: ${ajv.errorsText(
        validate.errors,
      )}\n${JSON.stringify(body, null, 2)}`,
    );
  }
}

/**
 * Asserts that a value (a notification a subscriber received, say) is valid
 * against a schema of the document's components.
 */
export function expectConformingSchema(
  spec: Spec,
  schemaName: string,
  value: unknown,
): void {
  const ajv = ajvFor(spec);
  const ref = `spec#/components/schemas/${pointer(schemaName)}`;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`cannot resolve ${ref}`);
  if (!validate(value)) {
    throw new Error(
      `${schemaName} does not match the OpenAPI schema: ${ajv.errorsText(
        validate.errors,
      )}\n${JSON.stringify(value, null, 2)}`,
    );
  }
}
