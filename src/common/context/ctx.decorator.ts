import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLContext } from './graphql-context';
import { RequestContext } from './request-context';

/** Reads the request context the access guard built for the current operation. */
export function requestContextOf(context: ExecutionContext): RequestContext | undefined {
  if (context.getType<string>() === 'graphql') {
    const gql = GqlExecutionContext.create(context).getContext<GraphQLContext>();
    return gql.ctx ?? gql.req?.slipwayContext;
  }
  const req = context.switchToHttp().getRequest<{ slipwayContext?: RequestContext }>();
  return req.slipwayContext;
}

/** Injects the current {@link RequestContext} into a resolver argument. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  return requestContextOf(context) ?? RequestContext.anonymous();
});
