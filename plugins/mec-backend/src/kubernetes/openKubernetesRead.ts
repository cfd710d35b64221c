import type { EdgeHostConnection } from '@helmmec/plugin-mec-node';
import http from 'node:http';
import https from 'node:https';
import { kubeConfigFor } from './kubeConfig';

/** How long the API server may take to start answering a read. */
const RESPONSE_TIMEOUT_MS = 15_000;

/**
 * Sends one GET to a host's Kubernetes API server with the host's own
 * credential and resolves with the response, unread, for the caller to
 * stream on. The credential is applied here and goes nowhere else.
 *
 * @param path - API path, e.g. `/api/v1/namespaces/mec-apps/pods`
 * @param search - query string including `?`, or empty
 */
export async function openKubernetesRead(
  host: EdgeHostConnection,
  path: string,
  search: string,
  accept: string,
): Promise<http.IncomingMessage> {
  const target = new URL(host.server);
  target.pathname = `${target.pathname.replace(/\/+$/, '')}${path}`;
  target.search = search;

  const options: https.RequestOptions = {
    method: 'GET',
    headers: { accept },
  };
  // ca, client certificate or bearer token, as drivers use them.
  await (await kubeConfigFor(host)).applyToHTTPSOptions(options);

  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(target, options, resolve);
    request.setTimeout(RESPONSE_TIMEOUT_MS, () =>
      request.destroy(
        new Error(
          `Kubernetes API server of edge host '${
            host.name
          }' did not answer within ${RESPONSE_TIMEOUT_MS / 1000} s`,
        ),
      ),
    );
    request.on('error', reject);
    request.end();
  });
}
