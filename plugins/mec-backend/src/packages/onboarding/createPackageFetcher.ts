import { OutboundUrlPolicy } from '../../outbound';
import { PackageFetcher } from './PackageOnboarder';
import { parseOciChartReference, pullOciChart } from './pullOciChart';

/**
 * Fetches packages from an appPkgPath through the outbound policy: an
 * http(s) URL of a MEC package ZIP or a Helm chart archive, or an `oci://`
 * chart reference.
 */
export function createPackageFetcher(options: {
  policy: OutboundUrlPolicy;
  maxBytes: number;
  timeoutMs: number;
  /** Registries (host:port) reached over plain http, like helm's --plain-http. */
  ociPlainHttpRegistries: string[];
}): PackageFetcher {
  const { policy, maxBytes, timeoutMs } = options;
  // A stopping onboarder's signal cuts a fetch short.
  return async (appPkgPath, { signal } = {}) => {
    if (appPkgPath.startsWith('oci://')) {
      await policy.check(appPkgPath, { purpose: 'package' });
      const { registry } = parseOciChartReference(appPkgPath);
      const archive = await pullOciChart(appPkgPath, {
        plainHttp: options.ociPlainHttpRegistries.includes(registry),
        fetch: (url, init) =>
          policy.fetch(url, init, {
            purpose: 'package',
            checkAsScheme: 'oci',
            maxBytes,
            timeoutMs,
            signal,
          }),
      });
      return { archive, mediaType: 'application/gzip' };
    }
    const res = await policy.fetch(
      appPkgPath,
      {},
      { purpose: 'package', maxBytes, timeoutMs, signal },
    );
    if (!res.ok) {
      throw new Error(
        `${appPkgPath} answered ${res.status} ${res.statusText}`.trim(),
      );
    }
    return {
      archive: Buffer.from(await res.arrayBuffer()),
      mediaType: res.headers.get('content-type') ?? 'application/octet-stream',
    };
  };
}
