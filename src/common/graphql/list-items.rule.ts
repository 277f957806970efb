import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { CommonExceptionReason } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

export interface ListItemsLimit {
  /** Most list items one operation may ask for. */
  max: number;
  /** The largest page a list serves: what a page size passed in a variable may be. */
  maxPageSize: number;
}

/** The argument that sets how many items a list field returns. */
const PAGE_SIZE_ARGUMENT = 'first';

function pageSizeOf(field: FieldNode, defaultValue: unknown, maxPageSize: number): number {
  const value = field.arguments?.find((a) => a.name.value === PAGE_SIZE_ARGUMENT)?.value;
  if (!value) return typeof defaultValue === 'number' ? defaultValue : maxPageSize;
  // A variable may hold any page size the list accepts: the document alone must bound the cost.
  return value.kind === Kind.INT ? Math.max(0, Number(value.value)) : maxPageSize;
}

/**
 * Refuses, before anything runs, an operation that may return more than `max` list items: every
 * field that takes a page size (`first`) counts that many items, times the page sizes of the lists
 * around it, so the cost grows with the pages requested. A page size written in the document counts
 * as written, one passed in a variable as the largest page, an omitted one as the argument's default.
 *
 * Linear in the document: a fragment's count is worked out once and multiplied wherever it is spread.
 */
export function listItemsRule(limit: ListItemsLimit): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    // Page sizes are read while graphql-js walks the document with its types; counted once it is done.
    const pageSizes = new Map<FieldNode, number>();
    return {
      Field(node) {
        const argument = context.getFieldDef()?.args.find((a) => a.name === PAGE_SIZE_ARGUMENT);
        if (argument) pageSizes.set(node, pageSizeOf(node, argument.defaultValue, limit.maxPageSize));
      },
      Document: {
        leave(document) {
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
          }
          const perFragment = new Map<string, number>();
          const itemsOf = (selectionSet: SelectionSetNode | undefined): number => {
            let items = 0;
            for (const selection of selectionSet?.selections ?? []) {
              switch (selection.kind) {
                case Kind.FIELD: {
                  const inner = itemsOf(selection.selectionSet);
                  const pageSize = pageSizes.get(selection);
                  items += pageSize === undefined ? inner : pageSize * (1 + inner);
                  break;
                }
                case Kind.INLINE_FRAGMENT:
                  items += itemsOf(selection.selectionSet);
                  break;
                case Kind.FRAGMENT_SPREAD: {
                  const name = selection.name.value;
                  if (!perFragment.has(name)) {
                    // A cycle counts nothing here; graphql-js refuses it on its own.
                    perFragment.set(name, 0);
                    perFragment.set(name, itemsOf(fragments.get(name)?.selectionSet));
                  }
                  items += perFragment.get(name)!;
                  break;
                }
              }
            }
            return items;
          };
          for (const definition of document.definitions) {
            if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
            const items = itemsOf(definition.selectionSet);
            if (items > limit.max) {
              context.reportError(
                new GraphQLError(`The operation may return ${items} list items; the limit is ${limit.max}`, {
                  nodes: [definition],
                  extensions: { code: ErrorCode.BAD_USER_INPUT, reason: CommonExceptionReason.QUERY_TOO_COSTLY },
                }),
              );
            }
          }
        },
      },
    };
  };
}
