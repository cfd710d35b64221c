import { act, renderHook, waitFor } from '@testing-library/react';
import type { MecListPage } from '../../api/MecApi';
import { usePagedList } from './usePagedList';

type Load = (marker: string | undefined) => Promise<MecListPage<string>>;

describe('usePagedList', () => {
  it('pages forward by the markers and back by the ones it kept', async () => {
    const load = jest.fn<ReturnType<Load>, Parameters<Load>>(async marker =>
      marker === 'm1' ? { items: ['b'] } : { items: ['a'], nextMarker: 'm1' },
    );
    const { result } = renderHook(() => usePagedList(load, ['all']));
    await waitFor(() => expect(result.current.items).toEqual(['a']));
    expect(result.current).toMatchObject({
      pageIndex: 0,
      hasNext: true,
      hasPrevious: false,
    });

    act(() => result.current.next());
    await waitFor(() => expect(result.current.items).toEqual(['b']));
    expect(result.current).toMatchObject({
      pageIndex: 1,
      hasNext: false,
      hasPrevious: true,
    });

    act(() => result.current.previous());
    await waitFor(() => expect(result.current.items).toEqual(['a']));
    expect(load.mock.calls.map(c => c[0])).toEqual([
      undefined,
      'm1',
      undefined,
    ]);
  });

  it('goes back to the first page when its deps (a filter) change', async () => {
    const load = jest.fn<ReturnType<Load>, Parameters<Load>>(async marker => ({
      items: [marker ?? 'first'],
      nextMarker: 'm1',
    }));
    const { result, rerender } = renderHook(
      ({ filter }) => usePagedList(load, [filter]),
      { initialProps: { filter: 'a' } },
    );
    await waitFor(() => expect(result.current.items).toEqual(['first']));
    act(() => result.current.next());
    await waitFor(() => expect(result.current.items).toEqual(['m1']));

    rerender({ filter: 'b' });
    expect(result.current.pageIndex).toBe(0);
    await waitFor(() => expect(result.current.items).toEqual(['first']));
    expect(result.current.refreshing).toBe(false);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('polls the current page while shouldPoll holds', async () => {
    let state = 'PROCESSING';
    const load = jest.fn(async () => ({ items: [state] }));
    const { result } = renderHook(() =>
      usePagedList(load, [], {
        intervalMs: 10,
        shouldPoll: items => items.includes('PROCESSING'),
      }),
    );
    await waitFor(() => expect(result.current.items).toEqual(['PROCESSING']));
    state = 'ONBOARDED';
    await waitFor(() => expect(result.current.items).toEqual(['ONBOARDED']));
    const calls = load.mock.calls.length;
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(load).toHaveBeenCalledTimes(calls);
  });
});
