import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { createHash } from 'node:crypto';

/** What changed between two snapshots of the provider's entities. */
export interface EntityDelta {
  /** Entities that are new or whose content changed. */
  added: Entity[];
  /** References of entities that are gone. */
  removed: string[];
}

/** Hash of the JSON with object keys sorted: equal entities, equal prints. */
function fingerprint(value: unknown): string {
  const json = JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map(k => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
  return createHash('sha256').update(json).digest('base64');
}

/** What is kept of an emitted entity. */
interface EmittedEntity {
  print: string;
  /** The source resource it mirrors, e.g. `instance:<id>`. */
  key?: string;
}

/** The emitted state after a diff, to `commit` once its mutation applied. */
export type EmittedSnapshot = Map<string, EmittedEntity>;

/**
 * Remembers what the provider last emitted, by entity reference, and
 * computes the delta to a new snapshot, of everything or of some source
 * resources. Only fingerprints are kept, so memory stays small with
 * thousands of entities.
 */
export class EntitySnapshotDiff {
  private emitted: EmittedSnapshot = new Map();
  private baseline = false;

  /**
   * @param keyOf - the source resource an entity mirrors, so that a partial
   *   refresh knows which entities a gone resource leaves behind
   */
  constructor(
    private readonly keyOf: (entity: Entity) => string | undefined = () =>
      undefined,
  ) {}

  private record(entity: Entity): [string, EmittedEntity] {
    return [
      stringifyEntityRef(entity),
      { print: fingerprint(entity), key: this.keyOf(entity) },
    ];
  }

  /** Whether a snapshot has been recorded since creation or `reset`. */
  get hasBaseline(): boolean {
    return this.baseline;
  }

  /** Records `entities` as emitted in full. */
  replace(entities: Entity[]): void {
    this.emitted = new Map(entities.map(e => this.record(e)));
    this.baseline = true;
  }

  /** Forgets the baseline, so that the next mutation is a full one. */
  reset(): void {
    this.emitted.clear();
    this.baseline = false;
  }

  /** The delta from the last emitted snapshot to `entities`; not yet recorded. */
  diff(entities: Entity[]): EntityDelta & { next: EmittedSnapshot } {
    const next: EmittedSnapshot = new Map();
    const added: Entity[] = [];
    for (const entity of entities) {
      const [ref, emitted] = this.record(entity);
      next.set(ref, emitted);
      if (this.emitted.get(ref)?.print !== emitted.print) {
        added.push(entity);
      }
    }
    const removed = [...this.emitted.keys()].filter(ref => !next.has(ref));
    return { added, removed, next };
  }

  /**
   * The delta for some source resources only: `entities` are what those
   * resources give now, and every entity emitted for one of `keys` that is
   * not among them is removed. Other entities stay as they are.
   */
  diffSome(
    keys: ReadonlySet<string>,
    entities: Entity[],
  ): EntityDelta & { next: EmittedSnapshot } {
    const next: EmittedSnapshot = new Map(this.emitted);
    const added: Entity[] = [];
    const current = new Set<string>();
    for (const entity of entities) {
      const [ref, emitted] = this.record(entity);
      current.add(ref);
      next.set(ref, emitted);
      if (this.emitted.get(ref)?.print !== emitted.print) {
        added.push(entity);
      }
    }
    const removed: string[] = [];
    for (const [ref, { key }] of this.emitted) {
      if (key !== undefined && keys.has(key) && !current.has(ref)) {
        removed.push(ref);
        next.delete(ref);
      }
    }
    return { added, removed, next };
  }

  /** Records the result of a diff once its mutation has been applied. */
  commit(next: EmittedSnapshot): void {
    this.emitted = next;
    this.baseline = true;
  }
}
