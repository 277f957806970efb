import { ApolloArmor } from '@escape.tech/graphql-armor';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  type DocumentNode,
  type GraphQLErrorOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { AppConfig } from '../../config/app-config';
import { CommonExceptionReason } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';
import { MAX_PAGE_SIZE } from '../pagination/page.args';
import { listItemsRule } from './list-items.rule';

/*
 * The limits on what one GraphQL document may ask for, from graphql-armor, configured from
 * AppConfig. Every transport (HTTP, graphql-ws, subscriptions-transport-ws) parses with
 * `parseWithinLimits` and validates with `operationLimitRules` besides graphql-js's own rules, so a
 * refusal reads the same everywhere: BAD_USER_INPUT with a reason saying which limit.
 */

/** graphql-armor words its refusals as syntax errors; the reason says what was refused instead. */
function refusal<E extends GraphQLError>(
  error: GraphQLError,
  reason: CommonExceptionReason,
  as: new (message: string, options: GraphQLErrorOptions) => E,
): E {
  return new as(error.message.replace(/^Syntax Error: /, ''), {
    extensions: { code: ErrorCode.BAD_USER_INPUT, reason },
  });
}

/** Reports a refused operation to the validation, which goes on to report every other problem. */
const reportAs =
  (reason: CommonExceptionReason) =>
  (context: ValidationContext | null, error: GraphQLError): void =>
    context?.reportError(refusal(error, reason, GraphQLError));

/**
 * Validation rules for every transport: graphql-armor's depth, alias, directive and cost limits,
 * and the list-items limit that makes larger pages cost more. Each is linear in the document:
 * fragments are measured once, however often they are spread.
 */
export function operationLimitRules(config: AppConfig): ValidationRule[] {
  const { validationRules } = new ApolloArmor({
    maxDepth: {
      n: config.GRAPHQL_MAX_DEPTH,
      // Fragments add no depth of their own; introspection is bounded by the schema and IDEs need it whole.
      flattenFragments: true,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reportAs(CommonExceptionReason.QUERY_TOO_DEEP)],
    },
    maxAliases: {
      n: config.GRAPHQL_MAX_ALIASES,
      propagateOnRejection: false,
      onReject: [reportAs(CommonExceptionReason.TOO_MANY_ALIASES)],
    },
    maxDirectives: {
      n: config.GRAPHQL_MAX_DIRECTIVES,
      propagateOnRejection: false,
      onReject: [reportAs(CommonExceptionReason.TOO_MANY_DIRECTIVES)],
    },
    costLimit: {
      maxCost: config.GRAPHQL_MAX_COST,
      flattenFragments: true,
      ignoreIntrospection: true,
      propagateOnRejection: false,
      onReject: [reportAs(CommonExceptionReason.QUERY_TOO_COSTLY)],
    },
    // Both work at the parser and in error messages, which validation rules cannot reach: served
    // by parseWithinLimits and formatGraphQLError, for every transport alike.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return [...validationRules, listItemsRule({ max: config.GRAPHQL_MAX_LIST_ITEMS, maxPageSize: MAX_PAGE_SIZE })];
}

/** Thrown for a document of too many tokens, which is refused before it is read to the end. */
export class TooManyTokensError extends GraphQLError {}

/**
 * Parses a document with graphql-armor's token-counting parser: one of more than `maxTokens`
 * tokens is refused with a {@link TooManyTokensError} as soon as the count is passed. Other syntax
 * errors are graphql-js's own.
 */
export function parseWithinLimits(source: string, maxTokens: number): DocumentNode {
  let refused: GraphQLError | undefined;
  const parser = new MaxTokensParserWLexer(source, {
    n: maxTokens,
    onReject: [(_context, error) => (refused = error)],
    propagateOnRejection: true,
  });
  try {
    return parser.parseDocument();
  } catch (error) {
    throw refused && error === refused
      ? refusal(refused, CommonExceptionReason.TOO_MANY_TOKENS, TooManyTokensError)
      : error;
  }
}
