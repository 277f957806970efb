import { Logger } from '@nestjs/common';
import {
  buildSchema,
  getVariableValues,
  type GraphQLError,
  parse,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
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
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => logged.mockRestore());

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

  it('answers the error graphql-js adds past fifty bad variable values as the client’s, without a log', () => {
    const operation = parse('query ($colors: [Color!]!) { paint(colors: $colors) }')
      .definitions[0] as OperationDefinitionNode;
    const { errors } = getVariableValues(
      schema,
      operation.variableDefinitions!,
      {
        colors: Array.from({ length: 51 }, (_, i) => `NOT_A_COLOR_${i}`),
      },
      { maxErrors: 50 },
    );
    const limit = errors!.at(-1)!;
    expect(limit.message).toMatch(/^Too many errors processing variables/);

    // As Apollo hands it over: without a code of its own, so marked as a server error.
    const sut = formatGraphQLError(
      { ...limit.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      limit,
      options,
    );

    expect(sut.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(logged).not.toHaveBeenCalled();
  });
});
