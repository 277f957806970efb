import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { type Observable, tap } from 'rxjs';
import { requestContextOf } from '../common/context/ctx.decorator';
import { operationScopeOf } from '../common/context/operation-scope';
import { AuditOutcome } from './audit-log.schema';
import { AuditService } from './audit.service';

interface ResultShape {
  id?: unknown;
  projectId?: unknown;
  user?: { id?: unknown };
}

/**
 * Records every top-level mutation with its outcome and duration. It only captures; writing is
 * the audit service's buffered job.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'graphql') return next.handle();
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (info.operation.operation !== 'mutation' || info.path.prev !== undefined) return next.handle();
    const ctx = requestContextOf(context);
    if (!ctx) return next.handle();
    const started = performance.now();
    const base = { ctx, operation: `mutation.${info.fieldName}`, args: gql.getArgs<Record<string, unknown>>() };
    return next.handle().pipe(
      tap({
        next: (result: unknown) => {
          const shape = (result ?? {}) as ResultShape;
          const isProject = String(info.returnType).replace(/!$/, '') === 'Project';
          const projectId =
            operationScopeOf(context).projectId ??
            (typeof shape.projectId === 'string'
              ? shape.projectId
              : isProject && typeof shape.id === 'string'
                ? shape.id
                : null);
          this.audit.record({
            ...base,
            projectId,
            // Sign-up and sign-in have no actor until they succeed.
            actorId: ctx.actorId ?? (typeof shape.user?.id === 'string' ? shape.user.id : null),
            outcome: AuditOutcome.GRANTED,
            durationMs: performance.now() - started,
          });
        },
        error: (error: unknown) => {
          this.audit.record({
            ...base,
            projectId: operationScopeOf(context).projectId ?? null,
            outcome: AuditOutcome.FAILED,
            error,
            durationMs: performance.now() - started,
          });
        },
      }),
    );
  }
}
