import { defaultFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { operationScopeOf, type GraphQLContext } from '../common/context/graphql-context';
import { AUDIT_PROJECT_FIELD, AUDIT_SECRET_ARGS } from './audit-project.decorator';
import { AuditOutcome } from './audit-log.schema';
import type { AuditService } from './audit.service';

type ResultShape = Record<string, unknown> & { projectId?: unknown; user?: { id?: unknown } };

/**
 * Records every root mutation with its actor, project, redacted arguments, outcome and duration,
 * whatever the transport (HTTP or either WebSocket protocol): the executable schema's mutation
 * resolvers are wrapped once, at startup, so no operation can be added without it and queries pay
 * nothing for it. A mutation's result is returned only once its entry is stored (or it fails with
 * SERVICE_UNAVAILABLE instead), so no acknowledged change lacks its entry, even if the process
 * dies right after answering. Refusals by the access guard are recorded by the guard, with their
 * reason, and not a second time here.
 */
export function auditMutations(schema: GraphQLSchema, audit: AuditService): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    const projectField = field.extensions?.[AUDIT_PROJECT_FIELD];
    const secretArgs = field.extensions?.[AUDIT_SECRET_ARGS];
    if (Array.isArray(secretArgs)) audit.keepSecret(`mutation.${field.name}`, secretArgs as string[]);
    field.resolve = async (
      source: unknown,
      args: Record<string, unknown>,
      context: GraphQLContext,
      info: GraphQLResolveInfo,
    ) => {
      const started = performance.now();
      const { ctx } = context;
      const base = { ctx, operation: `mutation.${info.fieldName}`, args };
      audit.assertAccepting();
      let result: unknown;
      try {
        result = await resolve(source, args, context, info);
        // Nest's exception filters hand errors back as results; graphql-js raises them.
        if (result instanceof Error) throw result;
      } catch (error) {
        if (!audit.isRecorded(error)) {
          await audit.record({
            ...base,
            projectId: operationScopeOf(context, info).projectId ?? null,
            outcome: AuditOutcome.FAILED,
            error,
            durationMs: performance.now() - started,
          });
        }
        throw error;
      }
      const shape = (result ?? {}) as ResultShape;
      const projectId =
        operationScopeOf(context, info).projectId ??
        (typeof shape.projectId === 'string'
          ? shape.projectId
          : typeof projectField === 'string' && typeof shape[projectField] === 'string'
            ? (shape[projectField] as string)
            : null);
      await audit.confirm({
        ...base,
        projectId,
        // Sign-up and sign-in have no actor until they succeed.
        actorId: ctx.actorId ?? (typeof shape.user?.id === 'string' ? shape.user.id : null),
        outcome: AuditOutcome.GRANTED,
        durationMs: performance.now() - started,
      });
      return result;
    };
  }
  return schema;
}
