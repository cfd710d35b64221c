import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MecClient, describeProblem } from '../MecClient';
import { packageEntityRef } from './entityRefs';
import { PollOptions, pollUntil } from './poll';

/**
 * `mec:package:onboard`: onboards a MEC application package through
 * app_pkgm, from a URL the MEO fetches or from a ZIP in the task's
 * workspace (fetched or uploaded by an earlier step), and waits until it is
 * ONBOARDED or its onboarding failed.
 */
export function createOnboardPackageAction(options: {
  client: MecClient;
  poll?: PollOptions;
}) {
  return createTemplateAction({
    id: 'mec:package:onboard',
    description:
      'Onboards a MEC application package (ETSI GS MEC 010-2 app_pkgm) from a URL or from a ZIP in the workspace, and waits until it is ONBOARDED',
    examples: [
      {
        description: 'Onboard a Helm chart archive the MEO fetches by URL',
        example: [
          'steps:',
          '  - id: onboard',
          '    name: Onboard the package',
          '    action: mec:package:onboard',
          '    input:',
          '      appPkgName: video-analytics',
          "      appPkgVersion: '0.1.0'",
          '      appPkgPath: https://charts.example.com/video-analytics-0.1.0.tgz',
          '      checksum:',
          '        algorithm: SHA-256',
          '        hash: 9b1c6f5e0d2a7c4b8e3f1a6d5c2b9e8f7a4d3c2b1e0f9a8b7c6d5e4f3a2b1c0d',
        ].join('\n'),
      },
      {
        description:
          'Onboard a package ZIP fetched into the workspace; the checksum is computed',
        example: [
          'steps:',
          '  - id: fetch',
          '    action: fetch:plain:file',
          '    input:',
          '      url: https://example.com/packages/location-service.zip',
          '      targetPath: location-service.zip',
          '  - id: onboard',
          '    action: mec:package:onboard',
          '    input:',
          '      appPkgName: location-service',
          "      appPkgVersion: '0.1.0'",
          '      archive: location-service.zip',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        appPkgName: z => z.string().min(1).describe('Name of the package'),
        appPkgVersion: z =>
          z.string().min(1).describe('Version of the package'),
        appProvider: z =>
          z.string().optional().describe('Provider of the application'),
        appPkgPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Where the MEO fetches the package: an http(s) URL of a package ZIP or Helm chart archive, or an oci:// chart reference. Give this or archive.',
            ),
        archive: z =>
          z
            .string()
            .optional()
            .describe(
              'Path of a package ZIP in the workspace, uploaded to the MEO. Give this or appPkgPath.',
            ),
        checksum: z =>
          z
            .object({
              algorithm: z.string().describe('For example SHA-256'),
              hash: z.string(),
            })
            .optional()
            .describe(
              'Checksum of what is fetched or uploaded; needed with appPkgPath, computed (SHA-256) for an archive when left out',
            ),
        userDefinedData: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe('Key-value pairs kept with the package'),
      },
      output: {
        appPkgId: z => z.string().describe('ETSI id of the package'),
        appDId: z => z.string().describe('Id of its AppD, for instances'),
        entityRef: z =>
          z.string().describe('Its MecAppPackage entity in the catalog'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      if (!input.appPkgPath === !input.archive) {
        throw new InputError('Give exactly one of appPkgPath and archive');
      }
      if (input.appPkgPath && !input.checksum) {
        throw new InputError(
          'A checksum is needed when the MEO fetches the package by URL',
        );
      }
      const content = input.archive
        ? await readFile(resolveSafeChildPath(ctx.workspacePath, input.archive))
        : undefined;
      const checksum = input.checksum ?? {
        algorithm: 'SHA-256',
        hash: createHash('sha256').update(content!).digest('hex'),
      };
      const mec = options.client.forUser(await ctx.getInitiatorCredentials());
      const step = ctx.step?.id ?? 'onboard';

      // A resumed task must not create a second package.
      const appPkgId = await ctx.checkpoint({
        key: `mec.package.create.${step}`,
        fn: async () => {
          const created = await mec.createAppPackage({
            appPkgName: input.appPkgName,
            appPkgVersion: input.appPkgVersion,
            appProvider: input.appProvider,
            checksum,
            appPkgPath: input.appPkgPath,
            userDefinedData: input.userDefinedData,
          });
          return created.id;
        },
      });
      ctx.logger.info(`Created application package ${appPkgId}`);
      if (content) {
        await ctx.checkpoint({
          key: `mec.package.upload.${step}`,
          fn: async () => {
            await mec.uploadAppPackageContent(appPkgId, content);
          },
        });
        ctx.logger.info(`Uploaded ${input.archive} (${content.length} bytes)`);
      }

      const pkg = await pollUntil(() => mec.getAppPackage(appPkgId), {
        ...options.poll,
        signal: ctx.signal,
        key: p =>
          `${p.onboardingState}${p.onboardingFailureDetails ? ' failed' : ''}`,
        onChange: p => ctx.logger.info(`Onboarding state ${p.onboardingState}`),
        done: p =>
          p.onboardingState === 'ONBOARDED' ||
          p.onboardingFailureDetails !== undefined,
      });
      if (pkg.onboardingState !== 'ONBOARDED') {
        throw new InputError(
          `Onboarding of package ${appPkgId} failed: ${describeProblem(
            pkg.onboardingFailureDetails,
            pkg.onboardingState,
          )}`,
        );
      }
      ctx.logger.info(
        `Package ${pkg.appName} ${pkg.appSoftwareVersion} is ONBOARDED (appDId ${pkg.appDId})`,
      );
      ctx.output('appPkgId', pkg.id);
      ctx.output('appDId', pkg.appDId);
      ctx.output('entityRef', packageEntityRef(pkg));
    },
  });
}
