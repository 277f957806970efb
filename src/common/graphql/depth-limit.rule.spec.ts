import { buildSchema, parse, validate } from 'graphql';
import { depthLimitRule } from './depth-limit.rule';

const schema = buildSchema(`
  type Node { id: ID!, child: Node }
  type Query { node: Node }
`);

const nested = (levels: number): string => `{ node ${'{ child '.repeat(levels - 1)}{ id }${' }'.repeat(levels - 1)} }`;

describe('depthLimitRule', () => {
  const sut = depthLimitRule(4);

  it('accepts an operation at the limit', () => {
    expect(validate(schema, parse(nested(3)), [sut])).toEqual([]);
  });

  it('rejects an operation past the limit with a BAD_USER_INPUT code', () => {
    const errors = validate(schema, parse(nested(5)), [sut]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' });
  });

  it('follows fragments and survives fragment cycles', () => {
    const doc = parse(`
      query { node { ...A } }
      fragment A on Node { child { child { child { child { id } } } } }
    `);
    expect(validate(schema, doc, [sut])).toHaveLength(1);
    const cyclic = parse(`query { node { ...B } } fragment B on Node { child { ...B } }`);
    expect(() => validate(schema, cyclic, [sut])).not.toThrow();
  });

  it('does not count introspection', () => {
    const doc = parse(`{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`);
    expect(validate(schema, doc, [sut])).toEqual([]);
  });
});
