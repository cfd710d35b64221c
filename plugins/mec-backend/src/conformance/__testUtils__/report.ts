import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What became of one ETSI test case in one run: `passed` as the suite
 * states it, `judged by the spec` where the suite contradicts ETSI GS MEC
 * 010-2 V3.1.1 and the test asserts the spec instead (and passed), or
 * `failed`.
 */
export type CaseVerdict = 'passed' | 'judged by the spec' | 'failed';

/** A test case's result on one database, as written to a part file. */
export interface CaseResult {
  tcId: string;
  verdict: CaseVerdict;
  /** Why the spec was followed, or the first line of the failure. */
  reason?: string;
  /** Adaptations of the suite's mechanics that keep its meaning (ids, hosts). */
  note?: string;
}

/** One group of test cases run in one role on one database. */
export interface TierPart {
  /** The tier's name, e.g. `MEO/PKGM` (the suite's folder under MEC010p2). */
  tier: string;
  /** The robot file the cases come from. */
  suite: string;
  /** The `mec.role` of the backend the cases ran against. */
  role: string;
  database: string;
  results: CaseResult[];
}

/** Where the report lives: `<repo>/test-results/conformance`. */
export const REPORT_DIR = resolve(
  // eslint-disable-next-line no-restricted-syntax
  __dirname,
  '../../../../../test-results/conformance',
);

const partFile = (part: TierPart) =>
  `${`${part.tier}.${part.role}.${part.database}`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  )}.json`;

/**
 * Writes a tier's part and regenerates `report.md` from every part in the
 * directory, so that tiers running in separate jest workers (and later
 * tiers) add their rows the same way.
 */
export function writeTierPart(part: TierPart, dir = REPORT_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, partFile(part)), JSON.stringify(part, null, 2));
  const parts = readdirSync(dir)
    .filter(name => name.endsWith('.json'))
    .map(name => JSON.parse(readFileSync(join(dir, name), 'utf8')) as TierPart);
  // Tiers finish in parallel workers: replace the report whole, never
  // leave it half written. The parts are the record; the last tier to
  // finish renders them all.
  const temporary = join(dir, `.report.${process.pid}.md`);
  writeFileSync(temporary, renderReport(parts));
  renameSync(temporary, join(dir, 'report.md'));
}

/**
 * The report: per tier and role, one row per test case with its verdict
 * on each database, then counts.
 */
export function renderReport(parts: TierPart[]): string {
  const lines: string[] = [
    '# ETSI MEC 032-3 conformance (MEC 010-2 test cases)',
    '',
    'Written by the conformance tier (plugins/mec-backend/src/conformance).',
    'Verdicts: **passed** as the suite states it; **judged by the spec** where the',
    'suite contradicts ETSI GS MEC 010-2 V3.1.1 and the test asserts the spec',
    'instead; **failed**.',
    '',
  ];
  const groups = new Map<string, TierPart[]>();
  for (const part of parts) {
    const key = `${part.tier} (role ${part.role})`;
    groups.set(key, [...(groups.get(key) ?? []), part]);
  }
  for (const [title, group] of [...groups].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const databases = group.map(p => p.database).sort();
    lines.push(`## ${title}`, '', `Suite: \`${group[0].suite}\``, '');
    lines.push(
      `| Test case | ${databases.join(' | ')} | Reason / note |`,
      `|---|${databases.map(() => '---|').join('')}---|`,
    );
    // In the robot file's order, as the tier ran them.
    const ids = [...new Set(group.flatMap(p => p.results.map(r => r.tcId)))];
    const counts = new Map<CaseVerdict, number>();
    for (const id of ids) {
      const cells = databases.map(db => {
        const result = group
          .find(p => p.database === db)!
          .results.find(r => r.tcId === id);
        return result?.verdict ?? 'not run';
      });
      // A case counts as failed unless it succeeded on every database.
      const worst: CaseVerdict =
        cells.includes('failed') || cells.includes('not run')
          ? 'failed'
          : (cells[0] as CaseVerdict);
      counts.set(worst, (counts.get(worst) ?? 0) + 1);
      const reasons = [
        ...new Set(
          group
            .flatMap(p => p.results.filter(r => r.tcId === id))
            .flatMap(r => [r.reason, r.note])
            .filter((s): s is string => Boolean(s)),
        ),
      ];
      lines.push(
        `| ${id} | ${cells.join(' | ')} | ${reasons
          .join('; ')
          .replace(/\|/g, '\\|')
          .replace(/\n/g, ' ')} |`,
      );
    }
    lines.push(
      '',
      `${ids.length} test cases: ${(
        ['passed', 'judged by the spec', 'failed'] as const
      )
        .map(v => `${counts.get(v) ?? 0} ${v}`)
        .join(', ')}.`,
      '',
    );
  }
  return lines.join('\n');
}
