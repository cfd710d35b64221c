import type { ProblemDetails } from '@helmmec/plugin-mec-common';

/**
 * A refusal of the mec backend, carrying its ProblemDetails so pages can
 * show the server's `detail` rather than a bare status line.
 * @public
 */
export class MecApiError extends Error {
  readonly status: number;
  readonly problem?: ProblemDetails;

  constructor(status: number, problem?: ProblemDetails, fallback?: string) {
    super(
      problem?.detail ??
        problem?.title ??
        fallback ??
        `The MEC backend answered ${status}`,
    );
    this.name = 'MecApiError';
    this.status = status;
    this.problem = problem;
  }

  /** Reads a failed response's body as ProblemDetails when it is one. */
  static async fromResponse(response: Response): Promise<MecApiError> {
    const text = await response.text().catch(() => '');
    let problem: ProblemDetails | undefined;
    try {
      const body = JSON.parse(text);
      // Backstage's own errors (e.g. 401 from the auth middleware) carry
      // { error: { message } } instead of ProblemDetails.
      problem =
        body && typeof body === 'object' && 'error' in body
          ? { detail: body.error?.message, status: response.status }
          : body;
    } catch {
      problem = undefined;
    }
    return new MecApiError(
      response.status,
      problem,
      `${response.status} ${response.statusText}${
        text && !problem ? `: ${text.slice(0, 200)}` : ''
      }`,
    );
  }
}
