import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AuditService } from '../audit/audit.service';
import { RequestAuthenticator } from '../auth/request-authenticator';
import type { Request, Response } from 'express';
import { rememberAuthentication, type Authentication } from '../common/context/authentication';
import { setOperationScope, type GraphQLContext } from '../common/context/graphql-context';
import type { RequestContext } from '../common/context/request-context';
import { CommonException, CommonExceptionReason } from '../common/errors/app.exception';
import { canonicalId } from '../common/mongo/object-id';
import { AccessException, AccessExceptionReason } from './access.exception';
import { ACCESS_METADATA, type AccessDeclaration, type ProjectLocator } from './access.decorators';
import { EffectivePermissionsService } from './effective-permissions.service';
import { OperationPolicies } from './operation-policies';
import type { Permission } from './permissions';
import { ResourceLocator } from './resource-locator';
import { tokenRefusal } from './token-limits';
import { unreachableServiceOf } from '../common/availability/backing-services';

/** Argument paths of a locator, split once: `input.projectId|projectId` → [['input', 'projectId'], ['projectId']]. */
const compiledPaths = new Map<string, string[][]>();

function pathsOf(paths: string): string[][] {
  let compiled = compiledPaths.get(paths);
  if (!compiled) compiledPaths.set(paths, (compiled = paths.split('|').map((path) => path.split('.'))));
  return compiled;
}

/** Reads `a.b` out of resolver arguments; `a|b` tries each path in turn. */
function readPath(args: Record<string, unknown>, paths: string): unknown {
  for (const path of pathsOf(paths)) {
    let value: unknown = args;
    for (const key of path) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** What a denial records; the operation's name and arguments are read only when one is denied. */
interface Attempt {
  context: ExecutionContext;
  gql: GqlExecutionContext | undefined;
  ctx: RequestContext;
}

function argsOf({ gql }: Attempt): Record<string, unknown> {
  return gql ? gql.getArgs<Record<string, unknown>>() : {};
}

function isMutation({ gql }: Attempt): boolean {
  return gql?.getInfo<GraphQLResolveInfo>().operation.operation === 'mutation';
}

function operationOf({ context, gql }: Attempt): string {
  if (!gql) return `${context.getClass().name}.${context.getHandler().name}`;
  const info = gql.getInfo<GraphQLResolveInfo>();
  return `${info.operation.operation}.${info.fieldName}`;
}

/**
 * The global guard: it only authorizes. Every operation declares `@Public()`, `@Authenticated()`
 * or `@RequirePermission()`; one that declares nothing is denied. The caller was authenticated
 * before (by `auth/`); the project an operation acts on is recorded as its own operation scope.
 * The policies features register (`OperationPolicies`: rate limits, IP allowlists) apply to
 * every operation, public ones included. Denials are written to the audit log here, with their
 * reason; the mutation audit skips the errors recorded this way.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    private readonly permissions: EffectivePermissionsService,
    private readonly locator: ResourceLocator,
    private readonly policies: OperationPolicies,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declaration = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const gql = context.getType<string>() === 'graphql' ? GqlExecutionContext.create(context) : undefined;
    // Public HTTP routes (deployed sites, health, hooks that carry their own secret) are not API
    // operations: no policy applies to them.
    if (declaration?.kind === 'public' && !gql) return true;
    const { ctx, failure } = gql ? gql.getContext<GraphQLContext>() : await this.authenticateHttp(context);
    const attempt: Attempt = { context, gql, ctx };
    // A credential that could not be checked (its store is unreachable) is not a refusal: the
    // request fails as unavailable, and the mutation audit records it as a failed attempt.
    if (failure && unreachableServiceOf(failure)) throw failure;
    if (declaration?.kind === 'permission' && !failure && ctx.user) {
      return this.authorizeInProject(attempt, declaration.permission, declaration.locate);
    }
    await this.admit(attempt, undefined);
    if (declaration?.kind === 'public') return true;
    // A refused credential fails every operation that is not public with its own reason (expired, revoked, …).
    if (failure) return this.deny(attempt, undefined, failure);
    if (!declaration) {
      return this.deny(
        attempt,
        undefined,
        new CommonException(CommonExceptionReason.FORBIDDEN, 'This operation declares no access rule, so it is closed'),
      );
    }
    if (ctx.isAuthenticated && declaration.kind === 'authenticated') {
      // Account-level changes (creating a project, signing out, managing API tokens) take a
      // user's sign-in: a leaked token must not be able to mint more tokens or projects.
      if (ctx.token && isMutation(attempt)) {
        return this.deny(
          attempt,
          undefined,
          new AccessException(
            AccessExceptionReason.USER_SIGN_IN_REQUIRED,
            'API tokens cannot perform account-level mutations; sign in as a user to do this',
          ),
        );
      }
      return true;
    }
    return this.denyAnonymous(attempt);
  }

  /**
   * An operation on a project: the project is located, the caller admitted (rate limits count per
   * project), its permissions there looked up, and, when it holds the one required, the project's
   * own conditions applied (an IP allowlist).
   */
  private async authorizeInProject(attempt: Attempt, permission: Permission, locate: ProjectLocator): Promise<boolean> {
    let projectId: string;
    try {
      projectId = await this.locateProject(locate, argsOf(attempt));
    } catch (error) {
      await this.admit(attempt, undefined);
      return this.deny(attempt, undefined, error as Error);
    }
    await this.admit(attempt, projectId);
    const { permissions } = await this.permissions.forCaller(attempt.ctx, projectId);
    const { gql } = attempt;
    if (gql) setOperationScope(gql.getContext<GraphQLContext>(), gql.getInfo<object>(), { projectId });
    if (permissions.has(permission)) {
      const refusal = await this.policies.allow(attempt.ctx, projectId);
      return refusal ? this.deny(attempt, projectId, refusal) : true;
    }
    if (
      permissions.size === 0 &&
      this.locator.has('project') &&
      !(await this.locator.projectOf('project', projectId))
    ) {
      return this.deny(
        attempt,
        undefined,
        new CommonException(CommonExceptionReason.NOT_FOUND, 'No project has this id'),
      );
    }
    return this.deny(
      attempt,
      projectId,
      tokenRefusal(attempt.ctx.token, projectId, permission) ??
        new CommonException(CommonExceptionReason.FORBIDDEN, `Missing permission ${permission} in this project`, {
          permission,
        }),
    );
  }

  /**
   * Refuses the operation when a policy does (a rate limit). Most such refusals are recorded as
   * denials; one that only repeats a recorded refusal is left out of the audit log altogether.
   */
  private async admit(attempt: Attempt, projectId: string | undefined): Promise<void> {
    const refusal = await this.policies.admit(attempt.ctx, projectId);
    if (!refusal) return;
    if (refusal.record) return this.deny(attempt, projectId, refusal.error);
    this.audit.waive(refusal.error);
    throw refusal.error;
  }

  /** Plain HTTP handlers (not GraphQL) are authenticated here, and the outcome kept for `@Ctx()`. */
  private async authenticateHttp(context: ExecutionContext): Promise<Authentication> {
    const http = context.switchToHttp();
    const authentication = await this.authenticator.authenticateRequest(http.getRequest<Request>());
    rememberAuthentication(http.getResponse<Response>(), authentication);
    return authentication;
  }

  private denyAnonymous(attempt: Attempt): Promise<never> {
    return this.deny(
      attempt,
      undefined,
      new CommonException(
        CommonExceptionReason.UNAUTHENTICATED,
        'Sign in to do this: send `Authorization: Bearer <access token>`',
      ),
    );
  }

  /** Refuses the operation once its denial is recorded (see `AuditService.record` for how long that may take). */
  private async deny(attempt: Attempt, projectId: string | undefined, error: Error): Promise<never> {
    await this.audit.recordDenied(attempt.ctx, operationOf(attempt), argsOf(attempt), projectId, error);
    throw error;
  }

  /** The canonical id of the project the operation acts on, from its arguments or an entity's lookup. */
  private async locateProject(locate: ProjectLocator, args: Record<string, unknown>): Promise<string> {
    const path = 'projectIdArg' in locate ? locate.projectIdArg : locate.idArg;
    const id = canonicalId(readPath(args, path));
    if (!id) throw new CommonException(CommonExceptionReason.INVALID_ID, `${path.split('|')[0]} must be a valid id`);
    if ('projectIdArg' in locate) return id;
    const projectId = await this.locator.projectOf(locate.entity, id);
    if (!projectId) throw new CommonException(CommonExceptionReason.NOT_FOUND, `No ${locate.entity} has this id`);
    return projectId;
  }
}
