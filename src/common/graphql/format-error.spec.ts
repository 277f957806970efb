import { buildSchema, type GraphQLError, parse, validate } from 'graphql';
import { formatGraphQLError } from './format-error';

const schema = buildSchema(`
  enum Color { RED, GREEN }
  type Query { projects: Int, project: Int, paint(colors: [Color!]!): Int }
`);

const options = { development: false, suggestions: true };
/** Formats a validation error as every transport hands it over: with the code Apollo gives it. */
const format = (error: GraphQLError, overrides: Partial<typeof options> = {}) =>
  formatGraphQLError({ ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, error, {
    ...options,
    ...overrides,
  });

describe('formatGraphQLError', () => {
  describe('suggestions', () => {
    const [unknownField] = validate(schema, parse('{ projectz }'));

    it('keeps what graphql-js suggests when suggestions are on', () => {
      expect(format(unknownField!).message).toBe(
        'Cannot query field "projectz" on type "Query". Did you mean "project" or "projects"?',
      );
    });

    it('drops every suggestion when they are off, of fields and of enum values alike', () => {
      const [unknownValue] = validate(schema, parse('{ paint(colors: [REDD]) }'));

      expect(format(unknownField!, { suggestions: false }).message).toBe(
        'Cannot query field "projectz" on type "Query".',
      );
      expect(unknownValue!.message).toContain('Did you mean');
      expect(format(unknownValue!, { suggestions: false }).message).not.toMatch(/Did you mean|"RED"/);
    });
  });
});
