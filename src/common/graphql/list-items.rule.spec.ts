import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { listItemsRule } from './list-items.rule';

const schema = buildSchema(`
  type Item { id: ID!, children(first: Int = 5): [Item!]! }
  type Query { items(first: Int! = 20): [Item!]!, unpaged: [Item!]! }
`);

const sut = listItemsRule({ max: 100, maxPageSize: 50 });

/** The items the rule counted, read from its refusal (a limit of 0 refuses everything). */
function itemsOf(document: string): number {
  const [error] = validate(schema, parse(document), [listItemsRule({ max: 0, maxPageSize: 50 })]);
  return Number(/may return (\d+) list items/.exec(error?.message ?? '')?.[1] ?? 0);
}

describe('listItemsRule', () => {
  it('counts a written page size as written, a variable as the largest page, an omitted one as its default', () => {
    expect(itemsOf('{ items(first: 7) { id } }')).toBe(7);
    expect(itemsOf('query ($n: Int!) { items(first: $n) { id } }')).toBe(50);
    expect(itemsOf('query ($n: Int! = 3) { items(first: $n) { id } }')).toBe(50);
    expect(itemsOf('{ items { id } }')).toBe(20);
    expect(itemsOf('{ unpaged { id } }')).toBe(0);
  });

  it('adds up aliases and multiplies nested pages', () => {
    expect(itemsOf('{ a: items(first: 10) { id } b: items(first: 10) { id } }')).toBe(20);
    // 10 items, each with 5 children by default.
    expect(itemsOf('{ items(first: 10) { children { id } } }')).toBe(10 + 10 * 5);
  });

  it('multiplies a fragment wherever it is spread', () => {
    const document = `
      { items(first: 10) { ...Kids } more: items(first: 2) { ...Kids } }
      fragment Kids on Item { children(first: 3) { id } }
    `;
    expect(itemsOf(document)).toBe(10 + 10 * 3 + 2 + 2 * 3);
  });

  it('refuses past the limit with QUERY_TOO_COSTLY and accepts at it', () => {
    expect(validate(schema, parse('{ a: items(first: 50) { id } b: items(first: 50) { id } }'), [sut])).toEqual([]);

    const errors = validate(schema, parse('{ a: items(first: 50) { id } b: items(first: 51) { id } }'), [sut]);

    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COSTLY' });
  });

  it('measures each fragment once, however often it is spread', () => {
    const levels = 60;
    const doubling = Array.from({ length: levels }, (_, i) => `fragment F${i} on Item { ...F${i + 1} ...F${i + 1} }`);
    const document = parse(
      `{ items(first: 1) { ...F0 } } ${doubling.join(' ')} fragment F${levels} on Item { children(first: 1) { id } }`,
    );

    const started = performance.now();
    const errors = validate(schema, document, [sut]);

    expect(performance.now() - started).toBeLessThan(100);
    expect(errors[0]?.extensions?.reason).toBe('QUERY_TOO_COSTLY');
  });

  it('does not loop on fragment cycles, which graphql-js refuses', () => {
    const document = parse('{ items { ...A } } fragment A on Item { children { ...A } }');

    expect(() => validate(schema, document, [...specifiedRules, sut])).not.toThrow();
  });
});
