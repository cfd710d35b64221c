import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { MecClient } from '../MecClient';
import { instanceEntityRef } from './entityRefs';

/**
 * `mec:instance:create`: creates an application instance resource (ETSI
 * GS MEC 010-2 app_lcm, NOT_INSTANTIATED) from an onboarded, enabled package.
 */
export function createCreateInstanceAction(options: { client: MecClient }) {
  return createTemplateAction({
    id: 'mec:instance:create',
    description:
      'Creates a MEC application instance (ETSI GS MEC 010-2 app_lcm) from the AppD of an onboarded package; it is NOT_INSTANTIATED until mec:instance:instantiate',
    examples: [
      {
        description:
          'Create an instance of the package a previous step onboarded',
        example: [
          'steps:',
          '  - id: create',
          '    name: Create the instance',
          '    action: mec:instance:create',
          '    input:',
          '      appDId: ${{ steps.onboard.output.appDId }}',
          '      name: ${{ parameters.name }}',
          '      description: Deployed from a software template',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        appDId: z =>
          z
            .string()
            .min(1)
            .describe('AppD id of an ONBOARDED, ENABLED package'),
        name: z =>
          z.string().optional().describe('appInstanceName: the name users see'),
        description: z =>
          z.string().optional().describe('appInstanceDescription'),
      },
      output: {
        appInstanceId: z => z.string().describe('ETSI id of the instance'),
        entityRef: z =>
          z.string().describe('Its MecAppInstance entity in the catalog'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const mec = options.client.forUser(await ctx.getInitiatorCredentials());
      // A resumed task must not create a second instance.
      const instance = await ctx.checkpoint({
        key: `mec.instance.create.${ctx.step?.id ?? 'create'}`,
        fn: async () => {
          const created = await mec.createAppInstance({
            appDId: input.appDId,
            appInstanceName: input.name || undefined,
            appInstanceDescription: input.description || undefined,
          });
          return {
            id: created.id,
            appName: created.appName,
            ...(created.appInstanceName && {
              appInstanceName: created.appInstanceName,
            }),
          };
        },
      });
      ctx.logger.info(
        `Created application instance ${instance.id} of ${instance.appName}`,
      );
      ctx.output('appInstanceId', instance.id);
      ctx.output('entityRef', instanceEntityRef(instance));
    },
  });
}
