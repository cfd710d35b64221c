import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  AppInstanceInfo,
  AppLcmOpOcc,
  AppPkgInfo,
  CreateAppInstanceRequest,
  CreateAppPkg,
  InstantiateAppRequest,
  MEC_API_ROOTS,
  ProblemDetails,
} from '@helmmec/plugin-mec-common';

const PKGM = MEC_API_ROOTS.appPkgm;
const LCM = MEC_API_ROOTS.appLcm;

/** The few ETSI operations the actions need, each a typed call. */
export class MecUserClient {
  constructor(
    private readonly connect: () => Promise<{ baseUrl: string; token: string }>,
  ) {}

  async createAppPackage(request: CreateAppPkg): Promise<AppPkgInfo> {
    return (await this.call('POST', `${PKGM}/app_packages`, request)).json();
  }

  async uploadAppPackageContent(appPkgId: string, zip: Buffer): Promise<void> {
    await this.call(
      'PUT',
      `${PKGM}/app_packages/${enc(appPkgId)}/package_content`,
      zip,
    );
  }

  async getAppPackage(appPkgId: string): Promise<AppPkgInfo> {
    return (
      await this.call('GET', `${PKGM}/app_packages/${enc(appPkgId)}`)
    ).json();
  }

  async createAppInstance(
    request: CreateAppInstanceRequest,
  ): Promise<AppInstanceInfo> {
    return (await this.call('POST', `${LCM}/app_instances`, request)).json();
  }

  async getAppInstance(appInstanceId: string): Promise<AppInstanceInfo> {
    return (
      await this.call('GET', `${LCM}/app_instances/${enc(appInstanceId)}`)
    ).json();
  }

  /** Starts the instantiation; the id of its op occurrence (from Location). */
  async instantiateAppInstance(
    appInstanceId: string,
    request: InstantiateAppRequest,
  ): Promise<string> {
    const response = await this.call(
      'POST',
      `${LCM}/app_instances/${enc(appInstanceId)}/instantiate`,
      request,
    );
    const opOccId = response.headers.get('location')?.split('/').pop();
    if (!opOccId) {
      throw new ServiceUnavailableError(
        'The MEC backend accepted the instantiation but named no op occurrence (no Location header)',
      );
    }
    return decodeURIComponent(opOccId);
  }

  async getOpOcc(opOccId: string): Promise<AppLcmOpOcc> {
    return (
      await this.call('GET', `${LCM}/app_lcm_op_occs/${enc(opOccId)}`)
    ).json();
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Response> {
    const { baseUrl, token } = await this.connect();
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
    };
    let payload: BodyInit | undefined;
    if (Buffer.isBuffer(body)) {
      headers['content-type'] = 'application/zip';
      payload = new Uint8Array(body);
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${baseUrl}/${path}`, {
      method,
      headers,
      body: payload,
    });
    if (!response.ok) {
      throw await errorFromResponse(method, path, response);
    }
    return response;
  }
}

/**
 * The mec plugin's ETSI APIs, called on behalf of the user who runs the
 * template: the token is made from the task's initiator credentials, so the
 * mec plugin authorizes each operation against that user's permissions,
 * never the scaffolder's own.
 */
export class MecClient {
  constructor(
    private readonly deps: { discovery: DiscoveryService; auth: AuthService },
  ) {}

  /** A client bound to one user's credentials. */
  forUser(credentials: BackstageCredentials): MecUserClient {
    return new MecUserClient(async () => {
      const [baseUrl, { token }] = await Promise.all([
        this.deps.discovery.getBaseUrl('mec'),
        this.deps.auth.getPluginRequestToken({
          onBehalfOf: credentials,
          targetPluginId: 'mec',
        }),
      ]);
      return { baseUrl: baseUrl.replace(/\/+$/, ''), token };
    });
  }
}

/** The text of an ETSI ProblemDetails for a task log: its detail first. */
export function describeProblem(
  problem: ProblemDetails | undefined,
  fallback: string,
): string {
  return problem?.detail || problem?.title || fallback;
}

/**
 * A refusal of the mec plugin as the matching `@backstage/errors` error,
 * whose message is the ProblemDetails detail (the ETSI error the user needs).
 */
async function errorFromResponse(
  method: string,
  path: string,
  response: Response,
): Promise<Error> {
  const text = await response.text().catch(() => '');
  let problem: ProblemDetails | undefined;
  try {
    const body = JSON.parse(text);
    // Backstage's own middleware (401 before the mec router) answers
    // { error: { message } } rather than ProblemDetails.
    problem =
      body && typeof body === 'object' && 'error' in body
        ? { detail: body.error?.message }
        : body;
  } catch {
    problem = undefined;
  }
  const message = `${method} ${path}: ${describeProblem(
    problem,
    `${response.status} ${response.statusText}`,
  )}`;
  switch (response.status) {
    case 400:
    case 422:
      return new InputError(message);
    case 401:
      return new AuthenticationError(message);
    case 403:
      return new NotAllowedError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 503:
      return new ServiceUnavailableError(message);
    default:
      return new Error(`${message} (${response.status})`);
  }
}

function enc(segment: string) {
  return encodeURIComponent(segment);
}
