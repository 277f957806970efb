import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { setOperationScope, type GraphQLContext } from '../common/context/graphql-context';
import { RequestContext } from '../common/context/request-context';
import { MEASURED, type Measurement } from '../common/events/measurement';
import { API_REQUEST_METRIC, measureOperations } from './operation-metrics';

const PROJECT = '0123456789abcdef01234567';

/** Stands in for the access guard: a field that names a project gets it as its scope, as the guard does. */
function scoped<T>(body: (args: Record<string, unknown>) => T) {
  return (_: unknown, args: Record<string, unknown>, context: GraphQLContext, info: GraphQLResolveInfo): T => {
    if (typeof args.projectId === 'string') setOperationScope(context, info, { projectId: args.projectId });
    return body(args);
  };
}

const refusal = new Error('refused');

function measuredSchema(measurements: Measurement[]) {
  const schema = buildSchema(`
    type Query { fine(projectId: ID): Int, thrown(projectId: ID): Int, returned(projectId: ID): Int,
      rejected(projectId: ID): Int, refused(projectId: ID): Int, sync(projectId: ID): Int }
    type Mutation { change(projectId: ID): Int }
  `);
  const fields = { ...schema.getQueryType()!.getFields(), ...schema.getMutationType()!.getFields() };
  fields.fine!.resolve = scoped(() => Promise.resolve(1));
  fields.sync!.resolve = scoped(() => 2);
  fields.thrown!.resolve = scoped(() => {
    throw new Error('thrown');
  });
  fields.returned!.resolve = scoped(() => Promise.resolve(new Error('returned')));
  fields.rejected!.resolve = scoped(() => Promise.reject(new Error('rejected')));
  fields.refused!.resolve = scoped(() => Promise.reject(refusal));
  fields.change!.resolve = scoped(() => Promise.resolve(3));
  return measureOperations(schema, {
    emit: (event, measurement) => {
      expect(event).toBe(MEASURED);
      measurements.push(measurement);
    },
    isRefusal: (error) => error === refusal,
  });
}

const run = (schema: ReturnType<typeof measuredSchema>, source: string) =>
  graphql({
    schema,
    source,
    contextValue: { ctx: RequestContext.anonymous(), transport: 'http' } satisfies GraphQLContext,
  });

describe('measureOperations', () => {
  it('measures each root field of a project with its duration and outcome', async () => {
    const measurements: Measurement[] = [];
    const schema = measuredSchema(measurements);
    const result = await run(
      schema,
      `{ fine(projectId: "${PROJECT}") sync(projectId: "${PROJECT}") again: fine(projectId: "${PROJECT}")
         thrown(projectId: "${PROJECT}") returned(projectId: "${PROJECT}") rejected(projectId: "${PROJECT}") }`,
    );
    expect(result.data).toMatchObject({ fine: 1, sync: 2, again: 1, thrown: null, returned: null, rejected: null });
    expect(result.errors?.map((e) => e.message).sort()).toEqual(['rejected', 'returned', 'thrown']);
    expect(measurements.map((m) => [m.labels?.operation, m.labels?.outcome]).sort()).toEqual([
      ['fine', 'ok'],
      ['fine', 'ok'],
      ['rejected', 'error'],
      ['returned', 'error'],
      ['sync', 'ok'],
      ['thrown', 'error'],
    ]);
    for (const m of measurements) {
      expect(m).toMatchObject({ projectId: PROJECT, name: API_REQUEST_METRIC, unit: 'ms' });
      expect(m.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('measures mutations too', async () => {
    const measurements: Measurement[] = [];
    await run(measuredSchema(measurements), `mutation { change(projectId: "${PROJECT}") }`);
    expect(measurements).toEqual([expect.objectContaining({ labels: { operation: 'change', outcome: 'ok' } })]);
  });

  it('leaves out operations without a project and refusals', async () => {
    const measurements: Measurement[] = [];
    const result = await run(measuredSchema(measurements), `{ fine thrown refused(projectId: "${PROJECT}") }`);
    expect(result.errors).toHaveLength(2);
    expect(measurements).toEqual([]);
  });

  it('never fails an operation because measuring failed', async () => {
    const schema = buildSchema('type Query { fine(projectId: ID): Int }');
    schema.getQueryType()!.getFields().fine!.resolve = scoped(() => 7);
    const wrapped = measureOperations(schema, {
      emit: () => {
        throw new Error('listener broke');
      },
      isRefusal: () => false,
    });
    expect(await run(wrapped, `{ fine(projectId: "${PROJECT}") }`)).toEqual({ data: { fine: 7 } });
  });
});
