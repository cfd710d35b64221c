import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { validateAppD } from './content';
import { EXAMPLE_CHARTS_DIR } from '../__testUtils__/packages';

describe('the example charts’ AppDs', () => {
  it.each(['video-analytics', 'location-service'])(
    '%s is a valid AppD',
    name => {
      const appd = YAML.parse(
        readFileSync(
          resolve(EXAMPLE_CHARTS_DIR, name, 'mec', 'appd.yaml'),
          'utf8',
        ),
      );
      expect(() => validateAppD(appd)).not.toThrow();
    },
  );
});
