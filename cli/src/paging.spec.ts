import { allPages } from './paging';

describe('allPages', () => {
  it('follows endCursor until there is no next page, keeping the order', async () => {
    const pages: Record<string, { edges: { node: number }[]; pageInfo: { hasNextPage: boolean; endCursor: string } }> =
      {
        start: { edges: [{ node: 1 }, { node: 2 }], pageInfo: { hasNextPage: true, endCursor: 'a' } },
        a: { edges: [{ node: 3 }], pageInfo: { hasNextPage: true, endCursor: 'b' } },
        b: { edges: [{ node: 4 }], pageInfo: { hasNextPage: false, endCursor: 'c' } },
      };
    const asked: (string | undefined)[] = [];
    const nodes = await allPages(async (after) => {
      asked.push(after);
      return pages[after ?? 'start']!;
    });
    expect(nodes).toEqual([1, 2, 3, 4]);
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it('stops on an empty list', async () => {
    await expect(
      allPages(async () => ({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } })),
    ).resolves.toEqual([]);
  });
});
