import { CustomErrorBase } from '@backstage/errors';

/**
 * What was wrong with a package's content:
 * - `checksum`: the content does not match the declared checksum or the
 *   package manifest's hashes;
 * - `archive`: not a readable ZIP / gzip tar, or an unsafe entry (path
 *   traversal, symlink, encryption, duplicate name);
 * - `limits`: too big, too many entries, or compressed suspiciously well;
 * - `structure`: a readable archive without the expected parts (no AppD,
 *   no Helm chart, no Chart.yaml);
 * - `appd`: the AppD cannot be parsed or violates ETSI GS MEC 010-2.
 */
export type PackageContentErrorKind =
  | 'checksum'
  | 'archive'
  | 'limits'
  | 'structure'
  | 'appd';

/**
 * A package's content cannot be onboarded. `title` and `detail` are meant
 * for the MEO operator and become the package's onboarding failure.
 */
export class PackageContentError extends CustomErrorBase {
  name = 'PackageContentError' as const;
  readonly kind: PackageContentErrorKind;
  readonly title: string;
  readonly detail: string;
  /** Every individual problem, when there were several (AppD validation). */
  readonly problems: string[];

  constructor(options: {
    kind: PackageContentErrorKind;
    title: string;
    detail: string;
    problems?: string[];
    cause?: unknown;
  }) {
    super(`${options.title}: ${options.detail}`, options.cause);
    this.kind = options.kind;
    this.title = options.title;
    this.detail = options.detail;
    this.problems = options.problems ?? [options.detail];
  }
}
