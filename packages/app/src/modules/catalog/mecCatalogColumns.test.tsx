import { CatalogTableRow } from '@backstage/plugin-catalog';
import { mecCatalogColumns } from './mecCatalogColumns';

type Context = Parameters<typeof mecCatalogColumns>[0];

function contextOf(kind: string, spec: Record<string, unknown>) {
  const entity = {
    apiVersion: 'mec.helmmec.io/v1alpha1',
    kind,
    metadata: { name: 'x' },
    spec,
  };
  const row = {
    entity,
    resolved: {
      name: 'x',
      entityRef: `${kind.toLocaleLowerCase('en-US')}:default/x`,
      partOfSystemRelations: [],
      ownedByRelations: [],
    },
  } as CatalogTableRow;
  return {
    context: { entities: [entity], filters: {} } as unknown as Context,
    row,
  };
}

// Backstage's own columns title themselves with a translated element.
const titleOf = (title: unknown) =>
  typeof title === 'string'
    ? title
    : (title as { props: { translationKey: string } }).props.translationKey;

const visibleTitles = (context: Context) =>
  mecCatalogColumns(context)
    .filter(c => !c.hidden)
    .map(c => titleOf(c.title));

const cell = (context: Context, row: CatalogTableRow, title: string) =>
  mecCatalogColumns(context).find(c => c.title === title)!.render!(row, 'row');

describe('mecCatalogColumns', () => {
  it('shows provider, version and states for packages, not System/Type/Lifecycle', () => {
    const { context, row } = contextOf('MecAppPackage', {
      appName: 'video-analytics',
      appProvider: 'ACME',
      appSoftwareVersion: '1.2.0',
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
    });
    expect(visibleTitles(context)).toEqual([
      'name',
      'Application',
      'Provider',
      'Version',
      'Onboarding',
      'State',
      'owner',
    ]);
    expect(cell(context, row, 'Provider')).toBe('ACME');
    expect(cell(context, row, 'Version')).toBe('1.2.0');
    expect(cell(context, row, 'State')).toBe('ENABLED');
  });

  it('shows package, state and edge host for instances', () => {
    const { context, row } = contextOf('MecAppInstance', {
      package: 'mecapppackage:default/video-analytics-1-2-0',
      host: 'resource:default/edge-1',
      instantiationState: 'INSTANTIATED',
      operationalState: 'STARTED',
      namespace: 'mec-apps',
    });
    expect(visibleTitles(context)).toEqual([
      'name',
      'Package',
      'State',
      'Edge host',
      'Namespace',
      'owner',
    ]);
    expect(cell(context, row, 'Package')).toBe('video-analytics-1-2-0');
    expect(cell(context, row, 'Edge host')).toBe('edge-1');
    expect(cell(context, row, 'State')).toBe('INSTANTIATED · STARTED');
  });

  it('leaves an instance not yet placed without a host', () => {
    const { context, row } = contextOf('MecAppInstance', {
      package: 'mecapppackage:default/p',
      instantiationState: 'NOT_INSTANTIATED',
    });
    expect(cell(context, row, 'Edge host')).toBe('');
    expect(cell(context, row, 'State')).toBe('NOT_INSTANTIATED');
  });

  it('keeps Backstage columns for other kinds', () => {
    const { context } = contextOf('Component', { type: 'service' });
    expect(visibleTitles(context)).toEqual(
      expect.arrayContaining(['system', 'owner', 'type', 'lifecycle']),
    );
  });
});
