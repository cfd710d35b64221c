import {
  hostEntityName,
  instanceEntityName,
  packageEntityName,
} from './entityNames';

// The catalog's rule for metadata.name (KubernetesValidatorFunctions), which
// this package cannot import: 1-63 characters, alphanumerics at both ends.
const isValidName = (name: string) =>
  name.length <= 63 && /^[a-z0-9A-Z]+([-_.][a-z0-9A-Z]+)*$/.test(name);

describe('entity names', () => {
  it('names packages by app, version and an id prefix', () => {
    const name = packageEntityName({
      id: '0b8e44d2-1c5a-4f0e-8d3b-6a7e9f2c4b10',
      appName: 'Location Service',
      appSoftwareVersion: '2.3.0-rc.1',
    });
    expect(name).toBe('location-service-2-3-0-rc-1-0b8e44d2');
    expect(isValidName(name)).toBe(true);
  });

  it('names instances by instance name or app, and an id prefix', () => {
    expect(
      instanceEntityName({
        id: 'c3d9a0f1-2b7e',
        appInstanceName: 'cam_feed.Edge',
        appName: 'video',
      }),
    ).toBe('cam-feed-edge-c3d9a0f1');
    expect(instanceEntityName({ id: 'c3d9a0f1-2b7e', appName: 'video' })).toBe(
      'video-c3d9a0f1',
    );
  });

  it('keeps long or odd names within 63 valid characters', () => {
    const name = instanceEntityName({
      id: 'ffffffff-0000',
      appName: `${'very-long-application-name-'.repeat(4)}!!`,
    });
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name.endsWith('-ffffffff')).toBe(true);
    expect(isValidName(name)).toBe(true);
    expect(instanceEntityName({ id: 'ab-cd', appName: '???' })).toBe('abcd');
  });

  it('uses the host name for hosts', () => {
    expect(hostEntityName('edge-1')).toBe('edge-1');
  });
});
