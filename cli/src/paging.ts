/** A connection as the API pages lists: edges of nodes, and where the next page starts. */
export interface Connection<T> {
  edges: readonly { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Every node of a paged list: `fetch` gets each page after `after` (undefined for the first). */
export async function allPages<T>(fetch: (after: string | undefined) => Promise<Connection<T>>): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | undefined;
  do {
    const page = await fetch(after);
    nodes.push(...page.edges.map((e) => e.node));
    after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
  } while (after);
  return nodes;
}
