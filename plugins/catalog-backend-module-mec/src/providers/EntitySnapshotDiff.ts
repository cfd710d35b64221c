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

/**
 * Remembers what the provider last emitted, by entity reference, and
 * computes the delta to a new snapshot. Only fingerprints are kept, so memory
 * stays small with thousands of entities.
 */
export class EntitySnapshotDiff {
  private emitted = new Map<string, string>();
  private baseline = false;

  /** Whether a snapshot has been recorded since creation or `reset`. */
  get hasBaseline(): boolean {
    return this.baseline;
  }

  /** Records `entities` as emitted in full. */
  replace(entities: Entity[]): void {
    this.emitted = new Map(
      entities.map(e => [stringifyEntityRef(e), fingerprint(e)]),
    );
    this.baseline = true;
  }

  /** Forgets the baseline, so that the next mutation is a full one. */
  reset(): void {
    this.emitted.clear();
    this.baseline = false;
  }

  /** The delta from the last emitted snapshot to `entities`; not yet recorded. */
  diff(entities: Entity[]): EntityDelta & { next: Map<string, string> } {
    const next = new Map<string, string>();
    const added: Entity[] = [];
    for (const entity of entities) {
      const ref = stringifyEntityRef(entity);
      const print = fingerprint(entity);
      next.set(ref, print);
      if (this.emitted.get(ref) !== print) {
        added.push(entity);
      }
    }
    const removed = [...this.emitted.keys()].filter(ref => !next.has(ref));
    return { added, removed, next };
  }

  /** Records the result of `diff` once its mutation has been applied. */
  commit(next: Map<string, string>): void {
    this.emitted = next;
    this.baseline = true;
  }
}
