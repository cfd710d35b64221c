import {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  ServiceUnavailableError,
  stringifyError,
} from '@backstage/errors';
import { kubernetesResourcesReadPermission } from '@backstage/plugin-kubernetes-common';
import Router from 'express-promise-router';
import { EdgeHostService } from '../../hosts';
import { openKubernetesRead } from '../../kubernetes/openKubernetesRead';
import type { MecOperation } from '../authorization';
import { MethodNotAllowedError } from '../methodNotAllowed';

/** Path of the read-only Kubernetes API proxy under the plugin's base URL. */
export const KUBERNETES_PROXY_PATH = 'kubernetes-proxy';

/** The only caller: Backstage's Kubernetes backend plugin. */
const KUBERNETES_PLUGIN_SUBJECT = 'plugin:kubernetes';

/**
 * The proxy's route and its permission, checked before the router (see
 * ../authorization): the Kubernetes plugin's own resource read, so that a
 * user whom its policy denies reading Kubernetes resources reads nothing
 * through the proxy either. The Kubernetes module forwards on behalf of the
 * user; the plugin itself, as a service, holds it by default (mec.clients).
 */
export const KUBERNETES_PROXY_OPERATIONS: MecOperation[] = [
  {
    method: 'all',
    path: '/:hostName/*',
    permission: kubernetesResourcesReadPermission.name,
  },
];

/**
 * The plugin that sent the request: a service's subject, or the actor of a
 * plugin token issued on behalf of a user.
 */
function callingPlugin(
  credentials: BackstageCredentials<
    BackstageUserPrincipal | BackstageServicePrincipal
  >,
): string | undefined {
  const { principal } = credentials;
  return principal.type === 'service'
    ? principal.subject
    : principal.actor?.subject;
}

/**
 * A DNS-subdomain-like path segment: starts and ends alphanumeric, so never
 * `.` or `..`, which URL normalisation would resolve to another path.
 */
const SEGMENT = '[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?';

/**
 * A namespaced read: `/api/v1/namespaces/{ns}/{plural}[/{name}[/{sub}]]` or
 * `/apis/{group}/{version}/namespaces/{ns}/...`.
 */
const NAMESPACED_READ = new RegExp(
  `^/(?:api/v1|apis/${SEGMENT}/[a-z0-9]+)/namespaces/(${SEGMENT})/(${SEGMENT})(?:/${SEGMENT}(?:/(?:log|status))?)?$`,
);

/** Never proxied, even within an application namespace. */
const HIDDEN_RESOURCES = new Set(['secrets', 'serviceaccounts']);

/** Query parameters that would turn a read into an endless stream. */
const STREAMING_PARAMETERS = ['watch', 'follow'];

/**
 * A read-only window onto the edge hosts' Kubernetes API servers for the
 * Backstage Kubernetes plugin, so that its tab shows an instance's pods while
 * the hosts' credentials stay in this plugin. Only the Kubernetes plugin may
 * call it, for itself or on behalf of a user, only GET, and only in the
 * namespaces the host's namespace policy gives to application instances.
 */
export function createKubernetesProxyRouter(options: {
  httpAuth: HttpAuthService;
  hosts: EdgeHostService;
  logger: LoggerService;
}) {
  const { httpAuth, hosts, logger } = options;
  const router = Router();

  router.all('/:hostName/*', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (callingPlugin(credentials) !== KUBERNETES_PLUGIN_SUBJECT) {
      throw new NotAllowedError(
        'The Kubernetes proxy of edge hosts serves only the Kubernetes backend plugin',
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new MethodNotAllowedError(
        `${req.method} is not supported: the Kubernetes proxy of edge hosts is read-only`,
      );
    }

    const { hostName } = req.params;
    const path = `/${(req.params as Record<string, string>)[0]}`;
    const match = NAMESPACED_READ.exec(path);
    if (!match) {
      throw new NotAllowedError(
        `Only namespaced reads are proxied to edge host '${hostName}', not ${path}`,
      );
    }
    const [, namespace, resource] = match;
    if (HIDDEN_RESOURCES.has(resource)) {
      throw new NotAllowedError(`Reading ${resource} is not proxied`);
    }
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    const streaming = STREAMING_PARAMETERS.find(
      name => query.has(name) && query.get(name) !== 'false',
    );
    if (streaming) {
      throw new InputError(`The query parameter '${streaming}' is not proxied`);
    }
    // Also answers 404 for a host that is not registered.
    if (!(await hosts.isAppInstanceNamespace(hostName, namespace))) {
      throw new NotAllowedError(
        `Namespace '${namespace}' of edge host '${hostName}' holds no application instances`,
      );
    }

    const connection = await hosts.getConnection(hostName);
    let upstream;
    try {
      upstream = await openKubernetesRead(
        connection,
        path,
        query.size ? `?${query}` : '',
        req.get('accept') ?? 'application/json',
      );
    } catch (error) {
      logger.warn(
        `Kubernetes proxy could not reach edge host '${hostName}': ${stringifyError(
          error,
        )}`,
      );
      throw new ServiceUnavailableError(
        `The Kubernetes API server of edge host '${hostName}' cannot be reached`,
      );
    }
    res.status(upstream.statusCode ?? 502);
    const contentType = upstream.headers['content-type'];
    if (contentType) res.setHeader('content-type', contentType);
    upstream.pipe(res);
  });

  return router;
}
