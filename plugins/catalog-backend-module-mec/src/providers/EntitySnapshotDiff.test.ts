import { Entity } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import { EntitySnapshotDiff } from './EntitySnapshotDiff';

const entity = (name: string, spec: JsonObject = {}): Entity => ({
  apiVersion: 'mec.helmmec.io/v1alpha1',
  kind: 'MecAppInstance',
  metadata: { name, namespace: 'default' },
  spec,
});

describe('EntitySnapshotDiff', () => {
  it('has no baseline until a snapshot is recorded, and after a reset', () => {
    const diff = new EntitySnapshotDiff();
    expect(diff.hasBaseline).toBe(false);
    diff.replace([]);
    expect(diff.hasBaseline).toBe(true);
    diff.reset();
    expect(diff.hasBaseline).toBe(false);
  });

  it('turns added, changed and removed entities into one delta', () => {
    const diff = new EntitySnapshotDiff();
    diff.replace([
      entity('kept', { state: 'STARTED' }),
      entity('changed', { state: 'STARTED' }),
      entity('gone'),
    ]);

    const changed = entity('changed', { state: 'STOPPED' });
    const added = entity('new');
    const result = diff.diff([
      entity('kept', { state: 'STARTED' }),
      changed,
      added,
    ]);
    expect(result.added).toEqual([changed, added]);
    expect(result.removed).toEqual(['mecappinstance:default/gone']);
  });

  it('ignores key order, and diffs against the committed snapshot only', () => {
    const diff = new EntitySnapshotDiff();
    diff.replace([entity('a', { x: 1, y: 2 })]);

    const reordered = {
      spec: { y: 2, x: 1 },
      metadata: { namespace: 'default', name: 'a' },
      kind: 'MecAppInstance',
      apiVersion: 'mec.helmmec.io/v1alpha1',
    };
    expect(diff.diff([reordered])).toMatchObject({ added: [], removed: [] });

    // Not committed: the same change shows again next time.
    expect(diff.diff([entity('a', { x: 3 })]).added).toHaveLength(1);
    const result = diff.diff([entity('a', { x: 3 })]);
    diff.commit(result.next);
    expect(diff.diff([entity('a', { x: 3 })])).toMatchObject({
      added: [],
      removed: [],
    });
  });

  it('stays quick with thousands of entities', () => {
    const diff = new EntitySnapshotDiff();
    const many = Array.from({ length: 5000 }, (_, i) =>
      entity(`instance-${i}`, { state: 'STARTED' }),
    );
    diff.replace(many);
    const next = [...many.slice(1), entity('instance-x')];
    next[10] = entity('instance-11', { state: 'STOPPED' });
    const result = diff.diff(next);
    expect(result.added.map(e => e.metadata.name)).toEqual([
      'instance-11',
      'instance-x',
    ]);
    expect(result.removed).toEqual(['mecappinstance:default/instance-0']);
  });

  it('diffs some source resources, leaving the others alone', () => {
    // The source key is the entity's spec.source here.
    const diff = new EntitySnapshotDiff(e => e.spec?.source as string);
    diff.replace([
      entity('a', { source: 'instance:1', state: 'STARTED' }),
      entity('b-old-name', { source: 'instance:2' }),
      entity('c', { source: 'instance:3' }),
    ]);

    const a = entity('a', { source: 'instance:1', state: 'STOPPED' });
    const b = entity('b-new-name', { source: 'instance:2' });
    const result = diff.diffSome(
      new Set(['instance:1', 'instance:2', 'instance:9']),
      [a, b],
    );
    expect(result.added).toEqual([a, b]);
    // b's old entity goes; c was not refreshed, so it stays.
    expect(result.removed).toEqual(['mecappinstance:default/b-old-name']);
    diff.commit(result.next);

    const gone = diff.diffSome(new Set(['instance:3']), []);
    expect(gone).toMatchObject({
      added: [],
      removed: ['mecappinstance:default/c'],
    });
    diff.commit(gone.next);
    expect(diff.diff([a, b])).toMatchObject({ added: [], removed: [] });
  });
});
