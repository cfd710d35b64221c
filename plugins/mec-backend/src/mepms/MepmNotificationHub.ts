import { EventEmitter } from 'node:events';

/**
 * Wakes whoever waits on a MEPM's op occurrence when that MEPM notifies a
 * change of it (AppLcmOpOccNotification to the MEO's callback). In process
 * only: a waiter on another replica, or a lost notification, is covered by
 * polling, so a wake-up is a shortcut and never the only way to progress.
 */
export class MepmNotificationHub {
  readonly #events = new EventEmitter().setMaxListeners(0);

  /** A notification named this op occurrence of this MEPM. */
  changed(mepmName: string, remoteOpOccId: string): void {
    this.#events.emit(`${mepmName} ${remoteOpOccId}`);
  }

  /**
   * Resolves at the next notification of the op occurrence, after
   * `timeoutMs`, or when `signal` aborts, whichever comes first.
   */
  waitForChange(
    mepmName: string,
    remoteOpOccId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const key = `${mepmName} ${remoteOpOccId}`;
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.#events.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      timer = setTimeout(done, timeoutMs);
      timer.unref?.();
      this.#events.once(key, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
