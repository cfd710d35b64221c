import { EdgeDriverError } from './errors';

/**
 * The overall deadline and cancellation of one driver operation, so every
 * step (helm child, polling loop) stops at the same moment.
 */
export class Deadline {
  /**
   * How long a driver call takes at most to stop once its signal is
   * aborted: a helm child gets SIGTERM (so it can mark its release failed),
   * then SIGKILL this much later. A lease holder aborts its driver call at
   * least this long before the lease may run out.
   */
  static readonly abortGraceMs = 2000;

  readonly #endsAt: number;
  readonly #timeoutSeconds: number;
  readonly #signal?: AbortSignal;
  readonly #what: string;

  /** The deadline of one driver call, from the call's timeout and signal. */
  static forCall(
    what: string,
    call: { timeoutSeconds: number; signal?: AbortSignal },
  ): Deadline {
    return new Deadline(what, call.timeoutSeconds, call.signal);
  }

  private constructor(
    what: string,
    timeoutSeconds: number,
    signal?: AbortSignal,
  ) {
    this.#what = what;
    this.#timeoutSeconds = timeoutSeconds;
    this.#endsAt = Date.now() + timeoutSeconds * 1000;
    this.#signal = signal;
  }

  get signal(): AbortSignal | undefined {
    return this.#signal;
  }

  get timeoutSeconds(): number {
    return this.#timeoutSeconds;
  }

  remainingMs(): number {
    return Math.max(0, this.#endsAt - Date.now());
  }

  /** Whole seconds left, at least `min` so a tool still gets a usable timeout. */
  remainingSeconds(min = 1): number {
    return Math.max(min, Math.floor(this.remainingMs() / 1000));
  }

  aborted(): boolean {
    return this.#signal?.aborted ?? false;
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  abortError(): EdgeDriverError {
    return new EdgeDriverError('aborted', `${this.#what} was cancelled`);
  }

  timeoutError(detail?: string): EdgeDriverError {
    return new EdgeDriverError(
      'timeout',
      `${this.#what} did not complete within ${this.#timeoutSeconds}s${
        detail ? `: ${detail}` : ''
      }`,
    );
  }

  /** Throws when cancelled or past the deadline. */
  check(detail?: () => string | undefined): void {
    if (this.aborted()) throw this.abortError();
    if (this.expired()) throw this.timeoutError(detail?.());
  }

  /** Sleeps up to `ms`, waking early (without throwing) on abort or deadline. */
  async sleep(ms: number): Promise<void> {
    const wait = Math.min(ms, this.remainingMs());
    if (wait <= 0 || this.aborted()) return;
    await new Promise<void>(resolve => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      timer = setTimeout(() => {
        this.#signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      this.#signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
