import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { authenticationOf } from './authentication';
import type { GraphQLContext } from './graphql-context';
import { RequestContext } from './request-context';

/** The request context `auth/` built for the current operation. */
export function requestContextOf(context: ExecutionContext): RequestContext | undefined {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<GraphQLContext>().ctx;
  }
  return authenticationOf(context.switchToHttp().getRequest<Request>())?.ctx;
}

/** Injects the current {@link RequestContext} into a resolver argument. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  return requestContextOf(context) ?? RequestContext.anonymous();
});
