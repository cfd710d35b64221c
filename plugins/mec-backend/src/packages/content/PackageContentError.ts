import { CustomErrorBase } from '@backstage/errors';
import { ProblemDetails } from '@helmmec/plugin-mec-common';

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
 * for the MEO operator and become the package's `onboardingFailureDetails`.
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

  /** The error as ETSI MEC 009 ProblemDetails; `status` defaults to 422. */
  toProblemDetails(status: number = 422): ProblemDetails {
    return { title: this.title, status, detail: this.detail };
  }
}
