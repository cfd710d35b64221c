import { ConfigReader } from '@backstage/config';
import type { Request, Response } from 'express';
import {
  DEFAULT_PAGE_SIZE,
  creationKey,
  nameKey,
  readPage,
  readPageSize,
  setNextPageLink,
} from './paging';

type Item = { createdAt: Date; id: string; n: number };

// 25 items, several created in the same millisecond, ids out of order.
const ITEMS: Item[] = Array.from({ length: 25 }, (_, n) => ({
  createdAt: new Date(1_700_000_000_000 + Math.floor(n / 3)),
  id: `id-${String((n * 7) % 25).padStart(2, '0')}`,
  n,
})).sort(
  (a, b) =>
    a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
);

/** An in-memory store in keyset order, counting its reads. */
function store() {
  const reads: number[] = [];
  return {
    reads,
    read: async ({
      after,
      limit,
    }: {
      after?: { createdAt: Date; id: string };
      limit: number;
    }) => {
      reads.push(limit);
      const start = after
        ? ITEMS.findIndex(
            i =>
              i.createdAt > after.createdAt ||
              (i.createdAt.getTime() === after.createdAt.getTime() &&
                i.id > after.id),
          )
        : 0;
      return start < 0 ? [] : ITEMS.slice(start, start + limit);
    },
  };
}

async function allPages(
  pageSize: number,
  matches?: (item: Item) => boolean,
): Promise<Item[][]> {
  const { read } = store();
  const pages: Item[][] = [];
  let marker: string | undefined;
  do {
    const page = await readPage({
      list: 'items',
      query: marker ? { nextpage_opaque_marker: marker } : {},
      pageSize,
      codec: creationKey,
      read,
      keyOf: item => item,
      matches,
    });
    pages.push(page.items);
    marker = page.nextMarker;
  } while (marker);
  return pages;
}

describe('readPage', () => {
  it('pages through a list without gaps or duplicates, ties included', async () => {
    const pages = await allPages(10);
    expect(pages.map(p => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(ITEMS);
  });

  it('ends without a marker when the last page is exactly full', async () => {
    const pages = await allPages(5);
    expect(pages.map(p => p.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it('fills each page with matching items, reading further ahead', async () => {
    const odd = (item: Item) => item.n % 2 === 1;
    const pages = await allPages(4, odd);
    expect(pages.map(p => p.length)).toEqual([4, 4, 4]);
    expect(pages.flat()).toEqual(ITEMS.filter(odd));
  });

  it('answers one empty page when nothing matches', async () => {
    expect(await allPages(4, () => false)).toEqual([[]]);
  });

  it('widens its reads while few items match', async () => {
    const { read, reads } = store();
    await readPage({
      list: 'items',
      query: {},
      pageSize: 2,
      codec: creationKey,
      read,
      keyOf: item => item,
      matches: item => item.n === 24,
    });
    expect(reads).toEqual([3, 6, 12, 24]);
  });

  it.each([
    ['not base64url', 'a+b/c'],
    ['garbled', 'bm90IGpzb24'],
    ['of another list', mark(['hosts', 1, 'x'])],
    ['with a bad time', mark(['items', 'yesterday', 'x'])],
    ['with a bad id', mark(['items', 1, ''])],
    ['too long', 'A'.repeat(2000)],
  ])('refuses a marker %s with 400', async (_, marker) => {
    await expect(
      readPage({
        list: 'items',
        query: { nextpage_opaque_marker: marker },
        pageSize: 10,
        codec: creationKey,
        read: store().read,
        keyOf: item => item,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('refuses a repeated marker with 400', async () => {
    await expect(
      readPage({
        list: 'hosts',
        query: { nextpage_opaque_marker: ['a', 'b'] },
        pageSize: 10,
        codec: nameKey,
        read: async () => [],
        keyOf: (name: string) => name,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });
});

function mark(parts: unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

describe('setNextPageLink', () => {
  function linkOf(originalUrl: string, nextMarker?: string) {
    const headers: Record<string, string> = {};
    setNextPageLink(
      { originalUrl } as Request,
      {
        setHeader: (name: string, value: string) => {
          headers[name] = value;
        },
      } as unknown as Response,
      'https://meo.example.com/api/mec/app_lcm/v1/app_instances',
      { items: [], nextMarker },
    );
    return headers.Link;
  }

  it('links the next page, keeping the other parameters', () => {
    const link = linkOf(
      '/api/mec/app_lcm/v1/app_instances?filter=(eq,appName,a)&fields=vimConnectionInfo&nextpage_opaque_marker=old',
      'new',
    );
    const [, url, rel] = /^<([^>]+)>; rel="(\w+)"$/.exec(link)!;
    expect(rel).toBe('next');
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe(
      'https://meo.example.com/api/mec/app_lcm/v1/app_instances',
    );
    expect([...parsed.searchParams]).toEqual([
      ['filter', '(eq,appName,a)'],
      ['fields', 'vimConnectionInfo'],
      ['nextpage_opaque_marker', 'new'],
    ]);
  });

  it('sets nothing on the last page', () => {
    expect(linkOf('/api/mec/app_lcm/v1/app_instances')).toBeUndefined();
  });
});

describe('readPageSize', () => {
  it('defaults and reads mec.api.pageSize', () => {
    expect(readPageSize(new ConfigReader({}))).toBe(DEFAULT_PAGE_SIZE);
    expect(
      readPageSize(new ConfigReader({ mec: { api: { pageSize: 7 } } })),
    ).toBe(7);
  });

  it.each([0, -1, 2.5, 10_001])('refuses %p', pageSize => {
    expect(() =>
      readPageSize(new ConfigReader({ mec: { api: { pageSize } } })),
    ).toThrow(/mec.api.pageSize/);
  });
});
