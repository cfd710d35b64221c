import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleMec } from './module';
import { textPlaceholderResolver } from './placeholders/textPlaceholderResolver';
import { MecEntitiesProcessor } from './processor/MecEntitiesProcessor';
import { MecEntityProvider } from './providers/MecEntityProvider';

describe('catalogModuleMec', () => {
  it('registers the MEC processor and entity provider with its schedule', async () => {
    const addEntityProvider = jest.fn();
    const addProcessor = jest.fn();
    const addPlaceholderResolver = jest.fn();
    const scheduler = mockServices.scheduler.mock();
    await startTestBackend({
      extensionPoints: [
        [
          catalogProcessingExtensionPoint,
          {
            addEntityProvider,
            addProcessor,
            addPlaceholderResolver,
            setOnProcessingErrorHandler: jest.fn(),
          },
        ],
      ],
      features: [
        catalogModuleMec,
        scheduler.factory,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              providers: {
                mec: {
                  schedule: {
                    frequency: { minutes: 2 },
                    timeout: { minutes: 1 },
                  },
                  owner: 'group:default/edge-team',
                },
              },
            },
          },
        }),
      ],
    });

    expect(addProcessor).toHaveBeenCalledWith(expect.any(MecEntitiesProcessor));
    expect(addPlaceholderResolver).toHaveBeenCalledWith(
      'text',
      textPlaceholderResolver,
    );
    expect(addEntityProvider).toHaveBeenCalledTimes(1);
    const provider: MecEntityProvider = addEntityProvider.mock.calls[0][0];
    expect(provider).toBeInstanceOf(MecEntityProvider);
    expect(provider.getProviderName()).toBe('mec');
    expect(scheduler.createScheduledTaskRunner).toHaveBeenCalledWith(
      expect.objectContaining({
        frequency: { minutes: 2 },
        timeout: { minutes: 1 },
        scope: 'local',
      }),
    );
  });
});
