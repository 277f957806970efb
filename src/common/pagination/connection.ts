import { type Type } from '@nestjs/common';
import { Field, Int, ObjectType } from '@nestjs/graphql';

/**
 * Where `totalCount` stops counting. A count reads every matching index entry, so on a large
 * collection (the audit log) an exact total would cost more than the page itself.
 */
export const TOTAL_COUNT_LIMIT = 10_000;

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** Read (and so counted) by GraphQL only when a client selects `totalCount`. */
  readonly totalCount: Promise<number>;
}

/** Builds a Relay-style `XConnection` / `XEdge` pair for a node type. */
export function ConnectionType<T>(node: Type<T>, name = node.name): Type<Connection<T>> {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, {
      description: `How many items the list has in all, counted up to ${TOTAL_COUNT_LIMIT}: a larger total reads as ${TOTAL_COUNT_LIMIT}.`,
    })
    totalCount!: Promise<number>;
  }
  return ConnectionClass;
}
