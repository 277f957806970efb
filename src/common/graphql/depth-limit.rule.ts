import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ASTVisitor,
} from 'graphql';
import { ErrorCode } from '../errors/error-code';

function depthOf(
  selectionSet: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  visited: Set<string>,
): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    switch (selection.kind) {
      case Kind.FIELD:
        // Introspection is bounded by the schema itself and IDEs need it whole.
        if (selection.name.value.startsWith('__')) continue;
        deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, visited));
        break;
      case Kind.INLINE_FRAGMENT:
        deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, visited));
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visited.has(name)) continue;
        deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, new Set(visited).add(name)));
        break;
      }
    }
  }
  return deepest;
}

/** Rejects operations nested deeper than `max` fields, before anything executes. */
export function depthLimitRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, fragments, new Set());
        if (depth > max) {
          context.reportError(
            new GraphQLError(`The operation is nested ${depth} levels deep; the limit is ${max}`, {
              nodes: [node],
              extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'QUERY_TOO_DEEP' },
            }),
          );
        }
      },
    };
  };
}
