// Layers import downward only (see the README's architecture section):
//   plugin.ts, capabilities/ (composition) → http/ (ETSI wire format, ProblemDetails)
//     → domain services (lifecycle, granting, packages, hosts, notifications)
//       → stores (database/) and drivers, jobs, outbound, kubernetes.
// A domain area's model.ts holds its plain types; stores may import those
// and nothing else of the domain. Tests may cross layers.
const DOMAIN = [
  'lifecycle',
  'granting',
  'packages',
  'hosts',
  'notifications',
  'retention',
  'userNotifications',
];
const BELOW_DOMAIN = [
  'database',
  'drivers',
  'jobs',
  'outbound',
  'kubernetes',
  'secrets',
];

const zones = [
  // Only plugin.ts composes; nothing below it imports it or the HTTP layer.
  ...[...DOMAIN, ...BELOW_DOMAIN].flatMap(area => [
    {
      target: `./src/${area}`,
      from: './src/http',
      message: 'The HTTP layer sits on top: translate at the edge.',
    },
    { target: `./src/${area}`, from: './src/plugin.ts' },
    { target: `./src/${area}`, from: './src/capabilities' },
  ]),
  { target: './src/http', from: './src/plugin.ts' },
  { target: './src/http', from: './src/capabilities' },
  // Stores and drivers know nothing of the services above them.
  ...BELOW_DOMAIN.flatMap(area =>
    DOMAIN.map(domain => ({
      target: `./src/${area}`,
      from: `./src/${domain}`,
      except: ['./model.ts'],
      message: 'Only the domain model (model.ts) may be imported from below.',
    })),
  ),
  // Granting decides for lifecycle management; it never calls back into it.
  {
    target: './src/granting',
    from: './src/lifecycle',
    message: 'granting must not import lifecycle.',
  },
];

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  // The rule resolves import paths to files; TypeScript sources need the
  // extensions spelled out for the node resolver.
  settings: {
    'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
  },
  overrides: [
    {
      files: ['src/**/*.ts'],
      excludedFiles: ['**/*.test.ts', '**/__testUtils__/**'],
      rules: {
        'import/no-restricted-paths': ['error', { zones }],
      },
    },
  ],
});
