import type { Model, QueryFilter, Types } from 'mongoose';
import { canonicalId, toObjectId } from '../mongo/object-id';
import { CommonException, CommonExceptionReason } from '../errors/app.exception';
import { TOTAL_COUNT_LIMIT, type Connection } from './connection';
import type { PageArgs } from './page.args';

const CURSOR_PREFIX = 'c1:';

export function encodeCursor(id: Types.ObjectId | string): string {
  return Buffer.from(`${CURSOR_PREFIX}${String(id)}`).toString('base64url');
}

export function decodeCursor(cursor: string): Types.ObjectId {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = canonicalId(decoded.startsWith(CURSOR_PREFIX) ? decoded.slice(CURSOR_PREFIX.length) : '');
  if (!id) {
    throw new CommonException(CommonExceptionReason.INVALID_CURSOR, 'The `after` cursor is not one this API issued');
  }
  return toObjectId(id);
}

/**
 * Newest-first keyset pagination on `_id`: stable under inserts, one indexed range query per page.
 * Works the same on MongoDB and on the test server (no $facet, no skip). The total is counted only
 * when a client selects `totalCount` (GraphQL reads it then), once, and up to TOTAL_COUNT_LIMIT.
 */
export async function paginate<TDoc extends { _id: Types.ObjectId }, TNode>(
  model: Model<TDoc>,
  filter: QueryFilter<TDoc>,
  args: PageArgs,
  toNode: (doc: TDoc) => TNode,
): Promise<Connection<TNode>> {
  const pageFilter: QueryFilter<TDoc> = args.after
    ? ({ $and: [filter, { _id: { $lt: decodeCursor(args.after) } }] } as QueryFilter<TDoc>)
    : filter;
  const docs = await model
    .find(pageFilter)
    .sort({ _id: -1 })
    .limit(args.first + 1)
    .lean<TDoc[]>()
    .exec();
  const hasNextPage = docs.length > args.first;
  const page = docs.slice(0, args.first);
  const edges = page.map((doc) => ({ cursor: encodeCursor(doc._id), node: toNode(doc) }));
  let counted: Promise<number> | undefined;
  return {
    edges,
    get totalCount() {
      return (counted ??= model.countDocuments(filter, { limit: TOTAL_COUNT_LIMIT }).exec());
    },
    pageInfo: {
      hasNextPage,
      hasPreviousPage: args.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
