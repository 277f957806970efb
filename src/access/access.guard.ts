import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import type { GraphQLResolveInfo } from 'graphql';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { HttpAuthenticator } from '../auth/http-authenticator';
import type { GraphQLContext } from '../common/context/graphql-context';
import { RequestContext } from '../common/context/request-context';
import { AppException, CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import { ACCESS_METADATA, type AccessDeclaration, type ProjectLocator } from './access.decorators';
import { PermissionResolver } from './permission-resolver.service';
import { ResourceLocator } from './resource-locator';

type ContextRequest = Request & { slipwayContext?: RequestContext };

const OBJECT_ID = /^[0-9a-fA-F]{24}$/;

/** Reads `a.b` out of resolver arguments; `a|b` tries each path in turn. */
function readPath(args: Record<string, unknown>, paths: string): unknown {
  for (const path of paths.split('|')) {
    let value: unknown = args;
    for (const key of path.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/**
 * The global guard. Every operation declares `@Public()`, `@Authenticated()` or
 * `@RequirePermission()`; one that declares nothing is denied. Denials are written to the audit
 * log here, because a guard's refusal never reaches the audit interceptor.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: HttpAuthenticator,
    private readonly auth: AuthService,
    private readonly permissions: PermissionResolver,
    private readonly locator: ResourceLocator,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declaration = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const isGraphQL = context.getType<string>() === 'graphql';
    const gql = isGraphQL ? GqlExecutionContext.create(context) : undefined;
    const args = (gql?.getArgs<Record<string, unknown>>() ?? {}) as Record<string, unknown>;
    const info = gql?.getInfo<GraphQLResolveInfo>();
    const operation = info
      ? `${info.operation.operation}.${info.fieldName}`
      : `${context.getClass().name}.${context.getHandler().name}`;

    let ctx: RequestContext;
    try {
      ctx = await this.contextOf(context, gql?.getContext<GraphQLContext>(), declaration?.kind === 'public');
    } catch (error) {
      const anonymous = this.anonymousOf(context, gql?.getContext<GraphQLContext>());
      this.audit.recordDenied(anonymous, operation, args, undefined, error as Error);
      throw error;
    }
    // One context serves every operation of a request (or of a WebSocket connection): the project
    // an earlier operation located must not leak into this one's checks or audit entry.
    ctx.projectId = undefined;
    ctx.permissions = undefined;

    if (!declaration) {
      return this.deny(
        ctx,
        operation,
        args,
        undefined,
        new CommonException(CommonExceptionReason.FORBIDDEN, 'This operation declares no access rule, so it is closed'),
      );
    }
    switch (declaration.kind) {
      case 'public':
        return true;
      case 'authenticated':
        if (!ctx.isAuthenticated) return this.denyAnonymous(ctx, operation, args);
        return true;
      case 'permission': {
        if (!ctx.isAuthenticated || !ctx.user) return this.denyAnonymous(ctx, operation, args);
        let projectId: string;
        try {
          projectId = await this.locateProject(declaration.locate, args);
        } catch (error) {
          return this.deny(ctx, operation, args, undefined, error as AppException);
        }
        const effective = await this.permissions.resolve(ctx.user.id, projectId);
        ctx.projectId = projectId;
        ctx.permissions = effective.permissions;
        if (effective.permissions.has(declaration.permission)) return true;
        if (effective.permissions.size === 0 && this.locator.has('project')) {
          const exists = await this.locator.projectOf('project', projectId);
          if (!exists) {
            return this.deny(
              ctx,
              operation,
              args,
              undefined,
              new CommonException(CommonExceptionReason.NOT_FOUND, 'No project has this id'),
            );
          }
        }
        return this.deny(
          ctx,
          operation,
          args,
          projectId,
          new CommonException(
            CommonExceptionReason.FORBIDDEN,
            `Missing permission ${declaration.permission} in this project`,
            { permission: declaration.permission },
          ),
        );
      }
    }
  }

  private denyAnonymous(ctx: RequestContext, operation: string, args: Record<string, unknown>): never {
    return this.deny(
      ctx,
      operation,
      args,
      undefined,
      new CommonException(
        CommonExceptionReason.UNAUTHENTICATED,
        'Sign in to do this: send `Authorization: Bearer <access token>`',
      ),
    );
  }

  private deny(
    ctx: RequestContext,
    operation: string,
    args: Record<string, unknown>,
    projectId: string | undefined,
    error: AppException,
  ): never {
    this.audit.recordDenied(ctx, operation, args, projectId, error);
    throw error;
  }

  private async locateProject(locate: ProjectLocator, args: Record<string, unknown>): Promise<string> {
    const path = 'projectIdArg' in locate ? locate.projectIdArg : locate.idArg;
    const raw = readPath(args, path);
    if (typeof raw !== 'string' || !OBJECT_ID.test(raw)) {
      throw new CommonException(CommonExceptionReason.INVALID_ID, `${path.split('|')[0]} must be a valid id`);
    }
    if ('projectIdArg' in locate) return raw.toLowerCase();
    const projectId = await this.locator.projectOf(locate.entity, raw);
    if (!projectId) throw new CommonException(CommonExceptionReason.NOT_FOUND, `No ${locate.entity} has this id`);
    return projectId;
  }

  /** Builds (once per HTTP request) or reads (WebSocket) the caller's context. */
  private async contextOf(
    context: ExecutionContext,
    gql: GraphQLContext | undefined,
    lenient: boolean,
  ): Promise<RequestContext> {
    if (gql?.ctx) {
      // A WebSocket authenticated once, possibly long ago: its token may have expired or its
      // session been revoked since.
      if (gql.ctx.user && !lenient) await this.auth.revalidate(gql.ctx.user);
      return gql.ctx;
    }
    const req = (gql?.req ?? context.switchToHttp().getRequest<ContextRequest>()) as ContextRequest;
    if (req.slipwayContext) return req.slipwayContext;
    let user;
    try {
      user = await this.authenticator.authenticate(req);
    } catch (error) {
      // A stale token must not lock anyone out of `login` or `refreshToken`.
      if (!lenient) throw error;
    }
    req.slipwayContext = new RequestContext(user, req.ip, req.get('user-agent') ?? undefined);
    return req.slipwayContext;
  }

  private anonymousOf(context: ExecutionContext, gql: GraphQLContext | undefined): RequestContext {
    const req = (gql?.req ?? context.switchToHttp().getRequest<ContextRequest>()) as ContextRequest | undefined;
    return RequestContext.anonymous(req?.ip, req?.get?.('user-agent') ?? undefined);
  }
}
