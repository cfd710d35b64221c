import { startTestBackend } from '@backstage/backend-test-utils';
import {
  TemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleMec } from './module';

describe('scaffolderModuleMec', () => {
  it('adds the three MEC actions, each with JSON schemas and examples', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...added: any[]) => actions.push(...added) },
        ],
      ],
      features: [scaffolderModuleMec],
    });

    expect(actions.map(a => a.id)).toEqual([
      'mec:package:onboard',
      'mec:instance:create',
      'mec:instance:instantiate',
    ]);
    for (const action of actions) {
      expect(action.examples?.length).toBeGreaterThan(0);
      expect(action.schema?.input).toMatchObject({ type: 'object' });
      expect(action.schema?.output).toMatchObject({ type: 'object' });
    }
    const [, create, instantiate] = actions;
    expect(create.schema?.input).toMatchObject({
      required: ['appDId'],
      properties: { appDId: { type: 'string' } },
    });
    expect(create.schema?.output).toMatchObject({
      properties: { appInstanceId: { type: 'string' } },
    });
    expect(instantiate.schema?.input).toMatchObject({
      required: ['appInstanceId'],
    });
  });
});
