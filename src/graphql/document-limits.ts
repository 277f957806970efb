import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { ErrorCode } from '../common/errors/error-code';

/** The codes Apollo gives documents that do not parse, validate or name an operation, which the error mapper knows. */
const PARSE_FAILED = 'GRAPHQL_PARSE_FAILED';
const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';
const OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE';

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

export type CheckedDocument = { document: DocumentNode } | { errors: readonly GraphQLError[] };

/**
 * For the WebSocket servers, which parse and validate each operation themselves: the document,
 * or the errors that fail that one operation, coded as Apollo codes them over HTTP.
 */
export function checkDocument(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
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
    document = parse(query);
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
