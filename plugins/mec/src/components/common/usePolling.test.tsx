import { act, renderHook } from '@testing-library/react';
import { usePolling } from './usePolling';

describe('usePolling', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Runs the timers due within `ms` and lets the loads they start settle. */
  async function advance(ms: number) {
    await act(async () => {
      await jest.advanceTimersByTimeAsync(ms);
    });
  }

  it('polls while shouldPoll says so, and stops when it no longer does', async () => {
    let n = 0;
    const load = jest.fn(async () => ++n);
    const { result } = renderHook(() =>
      usePolling(load, [], { intervalMs: 100, shouldPoll: v => v < 3 }),
    );
    await advance(0);
    expect(result.current).toMatchObject({ value: 1, loading: false });
    await advance(100);
    await advance(100);
    expect(result.current.value).toBe(3);
    await advance(1000);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('keeps trying after errors, waiting twice as long each time, shows the error and recovers', async () => {
    const answers: Array<number | Error> = [
      1,
      new Error('backend down'),
      new Error('backend down'),
      new Error('backend down'),
      2,
    ];
    const load = jest.fn(async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    const { result } = renderHook(() =>
      usePolling(load, [], { intervalMs: 100, shouldPoll: v => v < 2 }),
    );
    await advance(0);
    expect(result.current.value).toBe(1);

    await advance(100); // the first failure
    expect(result.current.error?.message).toBe('backend down');
    // the last value stays beside the error
    expect(result.current.value).toBe(1);
    expect(load).toHaveBeenCalledTimes(2);

    await advance(99);
    expect(load).toHaveBeenCalledTimes(2);
    await advance(1); // 100 ms after the first failure
    expect(load).toHaveBeenCalledTimes(3);
    await advance(199);
    expect(load).toHaveBeenCalledTimes(3);
    await advance(1); // 200 ms after the second
    expect(load).toHaveBeenCalledTimes(4);
    expect(result.current.error).toBeDefined();

    await advance(400); // 400 ms after the third: the backend answers
    expect(load).toHaveBeenCalledTimes(5);
    expect(result.current.error).toBeUndefined();
    expect(result.current.value).toBe(2);

    // answered and done: no more polling
    await advance(60_000);
    expect(load).toHaveBeenCalledTimes(5);
  });

  it('retries a first load that failed, though the data would not be polled, and caps the wait at 30 s', async () => {
    let down = true;
    const load = jest.fn(async () => {
      if (down) throw new Error('no answer');
      return 'hosts';
    });
    const { result } = renderHook(() =>
      usePolling(load, [], { intervalMs: 10_000 }),
    );
    await advance(0);
    expect(result.current).toMatchObject({
      loading: false,
      error: expect.objectContaining({ message: 'no answer' }),
    });
    await advance(10_000);
    await advance(20_000);
    expect(load).toHaveBeenCalledTimes(3);
    // 40 s would be next; the wait stays at 30 s
    await advance(30_000);
    expect(load).toHaveBeenCalledTimes(4);

    down = false;
    await advance(30_000);
    expect(result.current.value).toBe('hosts');
    expect(result.current.error).toBeUndefined();
    await advance(120_000);
    expect(load).toHaveBeenCalledTimes(5);
  });

  it('stops trying when unmounted', async () => {
    const load = jest.fn(async () => {
      throw new Error('down');
    });
    const { unmount } = renderHook(() =>
      usePolling(load, [], { intervalMs: 100 }),
    );
    await advance(0);
    unmount();
    await advance(60_000);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
