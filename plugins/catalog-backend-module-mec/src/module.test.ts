import { startTestBackend } from '@backstage/backend-test-utils';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { catalogModuleMec } from './module';
import { MecEntityProvider } from './providers/MecEntityProvider';

describe('catalogModuleMec', () => {
  it('registers the MEC entity provider, which applies a full mutation on connect', async () => {
    const addEntityProvider = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [
          catalogProcessingExtensionPoint,
          {
            addEntityProvider,
            addProcessor: jest.fn(),
            addPlaceholderResolver: jest.fn(),
            setOnProcessingErrorHandler: jest.fn(),
          },
        ],
      ],
      features: [catalogModuleMec],
    });
    expect(addEntityProvider).toHaveBeenCalledTimes(1);
    const provider: MecEntityProvider = addEntityProvider.mock.calls[0][0];
    expect(provider.getProviderName()).toBe('mec');

    const applyMutation = jest.fn();
    await provider.connect({ applyMutation, refresh: jest.fn() });
    expect(applyMutation).toHaveBeenCalledWith({ type: 'full', entities: [] });
  });
});
