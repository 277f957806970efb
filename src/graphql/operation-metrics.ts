import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { operationScopeOf, type GraphQLContext } from '../common/context/graphql-context';
import { MEASURED, type Measurement } from '../common/events/measurement';

/** The metric every measured operation is a point of. */
export const API_REQUEST_METRIC = 'slipway.api.request';

/** What measuring needs of the process: somewhere to emit to, and which errors were the guard's refusals. */
export interface OperationMeasuring {
  emit(event: typeof MEASURED, measurement: Measurement): unknown;
  /** Whether an error is the access guard's refusal (recorded as a denial in the audit log). */
  isRefusal(error: unknown): boolean;
}

/**
 * Measures every root query and mutation that acts on a project, on every transport: its duration
 * and whether it failed, as one `slipway.api.request` point labelled with the root field's name,
 * handed to the metrics as a measurement (`MEASURED`). The executable schema's root resolvers are
 * wrapped once, at startup, as the mutation audit does, so that no operation is missed and none
 * pays more than a clock read and an in-process emit: nothing is awaited, nothing is read.
 *
 * Operations without a project (signing in, listing one's projects) are not measured, nor those
 * the access guard refused: a refusal is in the audit log, and measuring it would let any caller
 * write points into any project id it names. Subscriptions are streams, not requests.
 */
export function measureOperations(schema: GraphQLSchema, measuring: OperationMeasuring): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      field.resolve = measured(field.name, field.resolve ?? defaultFieldResolver, measuring);
    }
  }
  return schema;
}

function measured(
  operation: string,
  resolve: GraphQLFieldResolver<unknown, GraphQLContext>,
  measuring: OperationMeasuring,
): GraphQLFieldResolver<unknown, GraphQLContext> {
  return (source, args, context, info) => {
    const started = performance.now();
    const done = (failure: unknown): void => {
      try {
        const projectId = operationScopeOf(context, info).projectId;
        if (!projectId || (failure !== undefined && measuring.isRefusal(failure))) return;
        measuring.emit(MEASURED, {
          projectId,
          name: API_REQUEST_METRIC,
          value: Math.round((performance.now() - started) * 1000) / 1000,
          unit: 'ms',
          labels: { operation, outcome: failure === undefined ? 'ok' : 'error' },
        });
      } catch {
        // A figure lost is not worth failing an operation that ran.
      }
    };
    let result: unknown;
    try {
      result = resolve(source, args, context, info);
    } catch (error) {
      done(error);
      throw error;
    }
    if (!isPromiseLike(result)) {
      // Nest's exception filters hand errors back as results; graphql-js raises them.
      done(result instanceof Error ? result : undefined);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        done(value instanceof Error ? value : undefined);
        return value;
      },
      (error: unknown) => {
        done(error ?? new Error('The operation failed'));
        throw error;
      },
    );
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
