import { InputError } from '@backstage/errors';
import { computeChecksumInChunks } from '../content';

/** The media type of a Helm chart layer in an OCI artifact. */
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** A parsed `oci://registry/repository:tag` (or `@sha256:…`) reference. */
export interface OciChartReference {
  registry: string;
  repository: string;
  reference: string;
}

/** Parses an `oci://` chart reference; the tag (chart version) is required. */
export function parseOciChartReference(uri: string): OciChartReference {
  const match =
    /^oci:\/\/([^/]+)\/(.+?)(?::([\w][\w.+-]{0,127})|@(sha256:[a-f0-9]{64}))$/.exec(
      uri,
    );
  if (!match) {
    throw new InputError(
      `'${uri}' is not an OCI chart reference of the form oci://registry/repository/chart:version`,
    );
  }
  // Helm writes "+" in chart versions as "_" in OCI tags.
  const reference = match[4] ?? match[3].replace(/\+/g, '_');
  return { registry: match[1], repository: match[2], reference };
}

/** Fetches through the outbound policy (allow rules, timeouts, size caps). */
export type PolicyFetch = (
  url: string,
  init?: { headers?: Record<string, string> },
) => Promise<Response>;

async function bearerToken(
  challenge: string,
  fetch: PolicyFetch,
): Promise<string | undefined> {
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]]),
  );
  if (!/^Bearer /i.test(challenge) || !params.realm) {
    return undefined;
  }
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await fetch(url.toString());
  if (!res.ok) {
    return undefined;
  }
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

/**
 * Pulls a Helm chart archive from an OCI registry (the distribution API:
 * manifest, then the chart layer blob), anonymously or with the registry's
 * anonymous bearer token, and checks the layer digest.
 *
 * @param plainHttp - registries reached over http, like helm's --plain-http
 */
export async function pullOciChart(
  uri: string,
  options: { fetch: PolicyFetch; plainHttp?: boolean },
): Promise<Buffer> {
  const ref = parseOciChartReference(uri);
  const base = `${options.plainHttp ? 'http' : 'https'}://${ref.registry}/v2/${
    ref.repository
  }`;
  let authorization: string | undefined;

  const get = async (url: string, accept?: string) => {
    const headers: Record<string, string> = {};
    if (accept) headers.Accept = accept;
    if (authorization) headers.Authorization = authorization;
    let res = await options.fetch(url, { headers });
    const challenge = res.headers.get('www-authenticate');
    if (res.status === 401 && challenge && !authorization) {
      const token = await bearerToken(challenge, options.fetch);
      if (token) {
        authorization = `Bearer ${token}`;
        res = await options.fetch(url, {
          headers: { ...headers, Authorization: authorization },
        });
      }
    }
    if (!res.ok) {
      throw new Error(`${url} answered ${res.status} ${res.statusText}`);
    }
    return res;
  };

  const manifest = (await (
    await get(`${base}/manifests/${ref.reference}`, MANIFEST_TYPES)
  ).json()) as { layers?: Array<{ mediaType: string; digest: string }> };
  const layer = manifest.layers?.find(l => l.mediaType === HELM_CHART_LAYER);
  if (!layer) {
    throw new Error(
      `${uri} is not a Helm chart: its manifest has no ${HELM_CHART_LAYER} layer`,
    );
  }
  const blob = Buffer.from(
    await (await get(`${base}/blobs/${layer.digest}`)).arrayBuffer(),
  );
  const [algorithm, expected] = layer.digest.split(':');
  // Up to mec.packages.maxBytes: hashed without holding the event loop.
  const actual = await computeChecksumInChunks(blob, algorithm);
  if (actual !== expected) {
    throw new Error(`The chart layer of ${uri} does not match its digest`);
  }
  return blob;
}
