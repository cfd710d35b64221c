import { NotFoundError } from '@backstage/errors';
import { mecPackagePullPermission } from '@helmmec/plugin-mec-common';
import Router from 'express-promise-router';
import YAML from 'yaml';
import { AppPackageService } from '../../packages/AppPackageService';
import type { MecOperation } from '../authorization';

/**
 * The repository's routes and their permission, checked before the router
 * (see ../authorization): only pulling charts, which the edge pull token may do.
 */
export const HELM_REPOSITORY_OPERATIONS: MecOperation[] = [
  {
    method: 'get',
    path: '/index.yaml',
    permission: mecPackagePullPermission.name,
  },
  {
    method: 'get',
    path: '/charts/:appPkgId/:file',
    permission: mecPackagePullPermission.name,
  },
];

/**
 * The MEO as a Helm chart repository: `index.yaml` plus the chart archive of
 * every onboarded package, so that edge clusters — helm directly or Flux
 * source-controller — pull charts from the MEO. Authentication is the same as
 * for the ETSI APIs; helm and Flux send it as HTTP Basic with the token as
 * password (see ../authenticate.ts).
 *
 * @param baseUrl - externally visible URL of this repository, for chart URLs
 */
export function createHelmRepositoryRouter(options: {
  appPackages: AppPackageService;
  baseUrl: () => Promise<string>;
}) {
  const router = Router();

  router.get('/index.yaml', async (_req, res) => {
    const base = await options.baseUrl();
    const entries: Record<string, unknown[]> = {};
    for (const pkg of await options.appPackages.listCharts()) {
      const name = pkg.chartName!;
      (entries[name] ??= []).push({
        apiVersion: 'v2',
        name,
        version: pkg.chartVersion,
        appVersion: pkg.appSoftwareVersion,
        description: `${pkg.appName} (appDId ${pkg.appDId}, appPkgId ${pkg.id})`,
        digest: pkg.chartDigest,
        created: pkg.updatedAt.toISOString(),
        urls: [
          `${base}/charts/${encodeURIComponent(pkg.id)}/${encodeURIComponent(
            `${name}-${pkg.chartVersion}.tgz`,
          )}`,
        ],
        annotations: {
          'mec.etsi.org/appDId': pkg.appDId,
          'mec.etsi.org/appPkgId': pkg.id,
          'mec.etsi.org/operationalState': pkg.operationalState,
        },
      });
    }
    res.type('application/x-yaml').send(
      YAML.stringify({
        apiVersion: 'v1',
        entries,
        generated: new Date().toISOString(),
      }),
    );
  });

  router.get('/charts/:appPkgId/:file', async (req, res) => {
    const archive = await options.appPackages.getChartArchive(
      req.params.appPkgId,
    );
    if (!req.params.file.endsWith('.tgz')) {
      throw new NotFoundError(`No chart archive named ${req.params.file}`);
    }
    res.type('application/gzip').send(archive);
  });

  return router;
}
