type Obj = Record<string, unknown>;

/**
 * Collects path-qualified problems while walking an AppD, so that one
 * validation reports all of them.
 */
export class AppDChecker {
  readonly problems: string[] = [];

  problem(path: string, message: string) {
    this.problems.push(`${path} ${message}`);
  }

  unknown(
    o: Obj,
    allowed: readonly string[],
    path: string,
    suggest?: (key: string) => string | undefined,
  ) {
    const unknown = Object.keys(o).filter(k => !allowed.includes(k));
    for (const key of unknown) {
      const hint = suggest?.(key);
      this.problems.push(
        `${join(path, key)} is not an ETSI MEC 010-2 AppD attribute${
          hint ? ` (did you mean "${hint}"?)` : ''
        }`,
      );
    }
  }

  /** Checks `v` is an object and rejects unknown attributes. */
  closedObject(v: unknown, path: string, allowed: string[]): boolean {
    if (!isObj(v)) {
      this.problem(path, `must be an object, not ${describe(v)}`);
      return false;
    }
    this.unknown(v, allowed, path, k => closest(k, allowed));
    return true;
  }

  openObject = (v: unknown, path: string): boolean => {
    if (!isObj(v)) {
      this.problem(path, `must be an object, not ${describe(v)}`);
      return false;
    }
    return true;
  };

  string(o: Obj, key: string, path: string, required: boolean) {
    const v = o[key];
    if (v === undefined) {
      if (required) this.problem(join(path, key), 'is required');
      return;
    }
    this.stringValue(v, join(path, key), required);
  }

  stringValue(v: unknown, path: string, nonEmpty = true) {
    if (typeof v !== 'string') {
      const hint =
        typeof v === 'number' ? ` (quote it in YAML: "${String(v)}")` : '';
      this.problem(path, `must be a string, not ${describe(v)}${hint}`);
    } else if (nonEmpty && v.trim() === '') {
      this.problem(path, 'must not be empty');
    }
  }

  number(o: Obj, key: string, path: string, required: boolean, min: number) {
    const v = o[key];
    if (v === undefined) {
      if (required) this.problem(join(path, key), 'is required');
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      this.problem(
        join(path, key),
        `must be a number${
          min > 0 ? ' greater than 0' : ' >= 0'
        }, not ${describe(v)}`,
      );
    }
  }

  integer(
    o: Obj,
    key: string,
    path: string,
    required: boolean,
    min: number,
    max?: number,
  ) {
    const v = o[key];
    if (v === undefined) {
      if (required) this.problem(join(path, key), 'is required');
      return;
    }
    if (
      typeof v !== 'number' ||
      !Number.isInteger(v) ||
      v < min ||
      (max !== undefined && v > max)
    ) {
      this.problem(
        join(path, key),
        `must be an integer ${
          max !== undefined ? `${min}..${max}` : `>= ${min}`
        } (got ${describe(v)})`,
      );
    }
  }

  boolean(o: Obj, key: string, path: string, required: boolean) {
    const v = o[key];
    if (v === undefined) {
      if (required) this.problem(join(path, key), 'is required');
      return;
    }
    if (typeof v !== 'boolean') {
      this.problem(
        join(path, key),
        `must be true or false, not ${describe(v)}`,
      );
    }
  }

  enumAttribute(
    o: Obj,
    key: string,
    path: string,
    values: string[],
    required: boolean,
  ) {
    const v = o[key];
    if (v === undefined) {
      if (required)
        this.problem(
          join(path, key),
          `is required (one of ${values.join(', ')})`,
        );
      return;
    }
    this.enumValue(v, join(path, key), values);
  }

  enumValue(v: unknown, path: string, values: string[]) {
    if (typeof v !== 'string' || !values.includes(v)) {
      this.problem(
        path,
        `must be one of ${values.join(', ')} (got ${describe(v)})`,
      );
    }
  }

  object(
    o: Obj,
    key: string,
    path: string,
    required: boolean,
    check: (value: Obj, path: string) => void,
  ) {
    const v = o[key];
    const p = join(path, key);
    if (v === undefined) {
      if (required) this.problem(p, 'is required');
      return;
    }
    if (!isObj(v)) {
      this.problem(p, `must be an object, not ${describe(v)}`);
      return;
    }
    check(v, p);
  }

  array(
    o: Obj,
    key: string,
    path: string,
    minItems: number,
    check: (value: unknown, path: string) => unknown,
  ) {
    const v = o[key];
    const p = join(path, key);
    if (v === undefined) {
      // 1..N attributes are mandatory; 0..N ones may be absent.
      if (minItems > 0) this.problem(p, 'is required');
      return;
    }
    if (!Array.isArray(v)) {
      this.problem(p, `must be a list, not ${describe(v)}`);
      return;
    }
    if (v.length < minItems) {
      this.problem(
        p,
        `must have at least ${minItems} entr${minItems === 1 ? 'y' : 'ies'}`,
      );
    }
    v.forEach((item, i) => check(item, `${p}[${i}]`));
  }
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string')
    return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (v === undefined) return 'nothing';
  return `${typeof v} ${String(v)}`;
}

/** The allowed name a misspelt `key` most likely meant, if any is close. */
export function closest(
  key: string,
  allowed: readonly string[],
): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d =
      candidate.toLowerCase() === lower
        ? 0
        : editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(1, Math.floor(key.length / 4));
  return bestDistance <= Math.min(3, tolerance) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
