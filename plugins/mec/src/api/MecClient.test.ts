import { MecClient } from './MecClient';

describe('MecClient', () => {
  it('lists the edge drivers from /edge_drivers', async () => {
    const fetch = jest.fn(
      async (_url: string, _init?: RequestInit) =>
        new Response(JSON.stringify({ drivers: [{ id: 'example' }] }), {
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const client = new MecClient({
      discoveryApi: { getBaseUrl: async () => 'http://backstage/api/mec' },
      fetchApi: { fetch } as any,
    });
    await expect(client.listEdgeDrivers()).resolves.toEqual([
      { id: 'example' },
    ]);
    expect(fetch.mock.calls[0][0]).toBe(
      'http://backstage/api/mec/edge_drivers',
    );
  });
});
