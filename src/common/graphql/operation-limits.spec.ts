import { buildSchema, GraphQLError, parse, specifiedRules, validate, type GraphQLFormattedError } from 'graphql';
import { loadConfig } from '../../config/app-config';
import { operationLimitRules, parseWithinLimits, TooManyTokensError } from './operation-limits';

const schema = buildSchema(`
  type Node { id: ID!, child: Node, children(first: Int! = 20): [Node!]! }
  type Query { node: Node, nodes(first: Int! = 20): [Node!]! }
`);

const config = loadConfig({
  MONGODB_URI: 'mongodb://127.0.0.1:27017/slipway',
  REDIS_URL: 'redis://127.0.0.1:6379',
  GRAPHQL_MAX_DEPTH: '4',
  GRAPHQL_MAX_ALIASES: '3',
  GRAPHQL_MAX_DIRECTIVES: '2',
  GRAPHQL_MAX_COST: '1000',
  GRAPHQL_MAX_LIST_ITEMS: '300',
  GRAPHQL_MAX_TOKENS: '200',
});
const rules = operationLimitRules(config);

/** What the limits (and graphql-js's own rules) say of a document: `extensions` of each error. */
const check = (document: string) =>
  validate(schema, parse(document), [...specifiedRules, ...rules]).map(
    (e) => (e.toJSON() as GraphQLFormattedError).extensions,
  );

const nested = (levels: number): string => `{ node ${'{ child '.repeat(levels - 1)}{ id }${' }'.repeat(levels - 1)} }`;
const refusedFor = (reason: string) => [{ code: 'BAD_USER_INPUT', reason }];

describe('operationLimitRules', () => {
  it('refuses an operation nested deeper than GRAPHQL_MAX_DEPTH with QUERY_TOO_DEEP', () => {
    expect(check(nested(3))).toEqual([]);
    expect(check(nested(4))).toEqual(refusedFor('QUERY_TOO_DEEP'));
  });

  it('counts no depth for fragments, nor for the introspection IDEs run', () => {
    expect(check('{ node { ...A } } fragment A on Node { ... on Node { child { child { id } } } }')).toEqual([]);
    expect(check('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }')).toEqual([]);
  });

  it('refuses more aliases than GRAPHQL_MAX_ALIASES with TOO_MANY_ALIASES, __typename aside', () => {
    expect(check('{ a: node { id } b: node { id } c: node { id } t: __typename u: __typename }')).toEqual([]);
    expect(check('{ a: node { id } b: node { id } c: node { id } d: node { id } }')).toEqual(
      refusedFor('TOO_MANY_ALIASES'),
    );
  });

  it('refuses more directives than GRAPHQL_MAX_DIRECTIVES with TOO_MANY_DIRECTIVES', () => {
    expect(check('{ node @include(if: true) { id @skip(if: false) } }')).toEqual([]);
    expect(check('{ node @include(if: true) { id @skip(if: false) child @skip(if: false) { id } } }')).toEqual(
      refusedFor('TOO_MANY_DIRECTIVES'),
    );
  });

  it('refuses an operation costing more than GRAPHQL_MAX_COST with QUERY_TOO_COSTLY', () => {
    // 10 items, each with its fields weighed, well within the list-items limit.
    expect(check('{ nodes(first: 10) { id child { id child { id } } } }')).toEqual([]);
    expect(check('{ nodes(first: 100) { id child { id child { id } } } }')).toEqual(refusedFor('QUERY_TOO_COSTLY'));
  });

  it('refuses an operation asking for more list items than GRAPHQL_MAX_LIST_ITEMS with QUERY_TOO_COSTLY', () => {
    // A page size in a variable counts as the largest page, 100; an omitted one as its default, 20.
    const pages = 'a: nodes(first: $n) { id } b: nodes(first: $n) { id } c: nodes(first: $n) { id }';
    expect(check(`query ($n: Int!) { ${pages} }`)).toEqual([]);
    expect(check(`query ($n: Int!) { ${pages} nodes { id } }`)).toEqual(refusedFor('QUERY_TOO_COSTLY'));
  });

  it('measures fragments spread over and over in milliseconds, and refuses what they would cost', () => {
    const levels = 40;
    const doubling = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const bomb = `{ ...F0 } ${doubling.join(' ')} fragment F${levels} on Query { __typename }`;

    const started = performance.now();
    const result = check(bomb);

    expect(performance.now() - started).toBeLessThan(200);
    expect(result).toEqual(refusedFor('QUERY_TOO_COSTLY'));
  });
});

describe('parseWithinLimits', () => {
  it('parses a document of up to GRAPHQL_MAX_TOKENS tokens', () => {
    // `{`, `}` and 198 names.
    expect(parseWithinLimits(`{ ${'id '.repeat(198)}}`, config.GRAPHQL_MAX_TOKENS).definitions).toHaveLength(1);
  });

  it('refuses a longer one with TOO_MANY_TOKENS before reading it all', () => {
    const sut = () => parseWithinLimits(`{ ${'id '.repeat(199)}} this would not parse {{{`, config.GRAPHQL_MAX_TOKENS);

    expect(sut).toThrow(TooManyTokensError);
    expect(sut).toThrow('Token limit of 200 exceeded.');
    try {
      sut();
    } catch (error) {
      expect((error as GraphQLError).extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'TOO_MANY_TOKENS' });
    }
  });

  it("leaves other syntax errors to graphql-js's own", () => {
    const sut = () => parseWithinLimits('{ id ', config.GRAPHQL_MAX_TOKENS);

    expect(sut).toThrow(GraphQLError);
    expect(sut).not.toThrow(TooManyTokensError);
  });
});
