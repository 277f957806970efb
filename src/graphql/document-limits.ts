import type { ApolloDriverConfig } from '@nestjs/apollo';
import {
  getOperationAST,
  GraphQLError,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../common/errors/error-code';
import { parseWithinLimits, TooManyTokensError } from '../common/graphql/operation-limits';

/*
 * How each transport applies the operation limits of common/graphql/operation-limits.ts. Apollo
 * parses and validates HTTP requests itself, with the limit rules among its validation rules and the
 * token limit as a plugin; the WebSocket servers hand every operation to `checkDocument`.
 */

/** The codes Apollo gives documents that do not parse, validate or name an operation, which the error mapper knows. */
const PARSE_FAILED = 'GRAPHQL_PARSE_FAILED';
const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';
const OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE';

/** Apollo's plugin type as the Nest driver sees it (its ES-module declarations). */
type ApolloServerPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];

/** The same error with a code, keeping where it points and what caused it. */
export function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/**
 * Refuses an HTTP document of too many tokens while it is being read, before Apollo parses it
 * (Apollo skips this for documents it has already validated). Apollo takes an error thrown by a
 * parsing hook for its own failure, which it logs and answers with a 500; the plugin hands its
 * refusal back to Apollo's error response instead, which formats it like any other.
 */
export function tokenLimitPlugin(maxTokens: number): ApolloServerPlugin {
  const refusals = new WeakSet<Error>();
  return {
    async requestDidStart() {
      return {
        async parsingDidStart({ source }) {
          try {
            parseWithinLimits(source ?? '', maxTokens);
          } catch (error) {
            // Apollo's own parse reports any other syntax error.
            if (!(error instanceof TooManyTokensError)) return;
            const refusal = new GraphQLError(error.message, {
              extensions: { ...error.extensions, code: PARSE_FAILED, http: { status: 400 } },
            });
            refusals.add(refusal);
            throw refusal;
          }
        },
      };
    },
    async unexpectedErrorProcessingRequest({ error }) {
      if (refusals.has(error)) throw error;
    },
  };
}

export type CheckedDocument = { document: DocumentNode } | { errors: readonly GraphQLError[] };

/**
 * For the WebSocket servers, which parse and validate each operation themselves: the document,
 * or the errors that fail that one operation, coded as Apollo codes them over HTTP.
 */
export function checkDocument(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  maxTokens: number,
  query: unknown,
  operationName?: string | null,
): CheckedDocument {
  if (typeof query !== 'string') {
    return {
      errors: [new GraphQLError('The operation has no query', { extensions: { code: ErrorCode.BAD_USER_INPUT } })],
    };
  }
  let document: DocumentNode;
  try {
    document = parseWithinLimits(query, maxTokens);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [withCode(error, PARSE_FAILED)] };
    throw error;
  }
  const invalid = validate(schema, document, [...specifiedRules, ...rules]);
  if (invalid.length > 0) return { errors: invalid.map((e) => withCode(e, VALIDATION_FAILED)) };
  if (!getOperationAST(document, operationName)) {
    const message = operationName
      ? `Unknown operation named "${operationName}".`
      : 'Must provide operation name if query contains multiple operations.';
    return { errors: [new GraphQLError(message, { extensions: { code: OPERATION_RESOLUTION_FAILURE } })] };
  }
  return { document };
}
