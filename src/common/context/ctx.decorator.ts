import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Response } from 'express';
import { authenticationOf } from './authentication';
import type { GraphQLContext } from './graphql-context';
import { RequestContext } from './request-context';

/** Injects the {@link RequestContext} `auth/` built for the current operation into a handler argument. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  if (context.getType<string>() === 'graphql')
    return GqlExecutionContext.create(context).getContext<GraphQLContext>().ctx;
  return authenticationOf(context.switchToHttp().getResponse<Response>())?.ctx ?? RequestContext.anonymous();
});
