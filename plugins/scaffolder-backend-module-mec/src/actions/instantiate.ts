import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { InstantiateAppRequest } from '@helmmec/plugin-mec-common';
import { MecClient, describeProblem } from '../MecClient';
import { instanceEntityRef } from './entityRefs';
import { PollOptions, pollUntil } from './poll';

/** Op occurrence states after which nothing happens without a person. */
const SETTLED = new Set(['COMPLETED', 'FAILED', 'FAILED_TEMP']);

/**
 * `mec:instance:instantiate`: instantiates an application instance on an
 * edge host (or where placement puts it) with Helm values, and follows its
 * op occurrence to COMPLETED, logging each state; a failed operation fails
 * the task with the ETSI error's detail.
 */
export function createInstantiateAction(options: {
  client: MecClient;
  poll?: PollOptions;
}) {
  return createTemplateAction({
    id: 'mec:instance:instantiate',
    description:
      'Instantiates a MEC application instance (ETSI GS MEC 010-2 app_lcm) on an edge host, or where placement puts it, with Helm values, and waits for its op occurrence to complete',
    examples: [
      {
        description: 'Instantiate on a named edge host with Helm values',
        example: [
          'steps:',
          '  - id: instantiate',
          '    name: Instantiate',
          '    action: mec:instance:instantiate',
          '    input:',
          '      appInstanceId: ${{ steps.create.output.appInstanceId }}',
          '      edgeHost: edge-1',
          '      values:',
          '        replicaCount: 2',
        ].join('\n'),
      },
      {
        description:
          'Let placement choose the host; values as JSON text from a form field',
        example: [
          'steps:',
          '  - id: instantiate',
          '    action: mec:instance:instantiate',
          '    input:',
          '      appInstanceId: ${{ steps.create.output.appInstanceId }}',
          '      values: ${{ parameters.values }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        appInstanceId: z =>
          z.string().min(1).describe('ETSI id of a NOT_INSTANTIATED instance'),
        edgeHost: z =>
          z
            .string()
            .optional()
            .describe(
              'Name of a registered edge host; left out or empty, placement chooses',
            ),
        values: z =>
          z
            .union([z.record(z.string(), z.unknown()), z.string()])
            .optional()
            .describe(
              'Helm values (additionalParams): an object, or JSON text of one',
            ),
      },
      output: {
        appLcmOpOccId: z =>
          z.string().describe('The op occurrence of the instantiation'),
        edgeHost: z =>
          z.string().optional().describe('The edge host it runs on'),
        namespace: z =>
          z.string().optional().describe('Its Kubernetes namespace there'),
        entityRef: z =>
          z.string().describe('Its MecAppInstance entity in the catalog'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const request: InstantiateAppRequest = {
        additionalParams: parseValues(input.values),
      };
      const edgeHost = input.edgeHost?.trim();
      if (edgeHost) {
        request.selectedMECHostInfo = [{ hostId: { name: edgeHost } }];
      }
      const mec = options.client.forUser(await ctx.getInitiatorCredentials());

      // A resumed task follows the operation it started rather than
      // asking for another.
      const opOccId = await ctx.checkpoint({
        key: `mec.instance.instantiate.${ctx.step?.id ?? 'instantiate'}`,
        fn: () => mec.instantiateAppInstance(input.appInstanceId, request),
      });
      ctx.logger.info(
        `Instantiating ${input.appInstanceId} ${
          edgeHost ? `on edge host ${edgeHost}` : 'where placement puts it'
        }: op occurrence ${opOccId}`,
      );

      const occ = await pollUntil(() => mec.getOpOcc(opOccId), {
        ...options.poll,
        signal: ctx.signal,
        key: o => o.operationState,
        onChange: o => ctx.logger.info(`Operation ${o.operationState}`),
        done: o => SETTLED.has(o.operationState),
      });
      if (occ.operationState !== 'COMPLETED') {
        throw new Error(
          `Instantiation of ${input.appInstanceId} ended ${
            occ.operationState
          }: ${describeProblem(
            occ.error,
            'no error given',
          )} (op occurrence ${opOccId}; retry or give up from the instance's MEC page)`,
        );
      }

      const instance = await mec.getAppInstance(input.appInstanceId);
      ctx.logger.info(
        `Instance ${input.appInstanceId} is ${instance.instantiationState} on ${
          instance.edgeHost?.name ?? 'its edge host'
        }${
          instance.edgeHost?.namespace
            ? `, namespace ${instance.edgeHost.namespace}`
            : ''
        }`,
      );
      ctx.output('appLcmOpOccId', opOccId);
      if (instance.edgeHost?.name) {
        ctx.output('edgeHost', instance.edgeHost.name);
      }
      if (instance.edgeHost?.namespace) {
        ctx.output('namespace', instance.edgeHost.namespace);
      }
      ctx.output('entityRef', instanceEntityRef(instance));
    },
  });
}

/** Helm values from the action's input: an object, or JSON text of one. */
function parseValues(
  values: Record<string, unknown> | string | undefined,
): Record<string, unknown> | undefined {
  if (values === undefined) return undefined;
  if (typeof values !== 'string') return values;
  if (!values.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(values);
  } catch (error) {
    throw new InputError(
      `The Helm values are not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError('The Helm values must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
