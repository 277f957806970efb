import { getModelToken } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { MetricBucketRecord } from '../src/analytics/metric-bucket.schema';
import { MetricSeriesRecord } from '../src/analytics/metric-series.schema';
import { MetricsRecorderService } from '../src/analytics/metrics-recorder.service';
import { parseCsv } from './support/csv';
import { startChildApi, type ChildApi } from './support/child-api';
import {
  assignRole,
  createApiToken,
  createProject,
  finishedBuild,
  registerUser,
  type TestUser,
} from './support/factories';
import { codeOf, gql, ok, reasonOf, waitFor } from './support/graphql-client';
import { TestDnsServer } from './support/dns-server';
import { TestRepository } from './support/git-repos';
import {
  BUILD_SETTINGS,
  operations,
  type DashboardPanels,
  type FunctionInvocation,
  type MetricAggregate,
  type Operations,
  type Project,
  type WebhookDelivery,
} from './support/operations';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';
import { modernClient, runOverWebSocket } from './support/ws-clients';

const RECEIVER_HOST = '127.0.0.7';
/** The main app's bound on a report's bytes. */
const REPORT_MAX_BYTES = 16_384;
const HOUR = 3_600;
const DAY = 86_400;
/** The sketch's relative accuracy: quantiles are within 1 % of the exact (nearest-rank) ones. */
const SKETCH_ERROR = 0.01;

const nearestRank = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
};
const withinSketchError = (actual: number | null, exact: number): void => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(SKETCH_ERROR * Math.abs(exact) + 1e-9);
};
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const ms = (iso: string | null): number => new Date(iso!).getTime();

interface ReportRowJson {
  metric: string;
  unit: string | null;
  labels: Record<string, string>;
  at: string;
  count: number;
  sum: number;
  avg: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * The platform's own metrics, end to end: real builds run by the worker, real function
 * invocations in the sandbox, real webhook deliveries to a receiver and real API operations
 * become points that `metricSeries`, `dashboard` and `report` give back with the values the
 * builds, invocations and deliveries recorded of themselves.
 */
describe('platform metrics', () => {
  let api: TestApp;
  let on: Operations;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  const receiver = new WebhookReceiver(RECEIVER_HOST);
  const repository = new TestRepository();
  const dns = new TestDnsServer();

  beforeAll(async () => {
    await Promise.all([receiver.start(), dns.start()]);
    api = await startTestApp({
      DNS_RESOLVERS: dns.address,
      ALLOW_LOCAL_REPOSITORIES: 'true',
      BUILD_CONCURRENCY: '2',
      WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
      WEBHOOK_TIMEOUT_MS: '3000',
      // One attempt each: a failing delivery waits an hour for its next.
      WEBHOOK_RETRY_SCHEDULE: '1h',
      ANALYTICS_REPORT_MAX_ROWS: '100',
      ANALYTICS_REPORT_MAX_BYTES: String(REPORT_MAX_BYTES),
      // Users' metric names per project: the platform's own do not count.
      ANALYTICS_MAX_METRICS_PER_PROJECT: '3',
    });
    on = operations(api.url);
    [owner, viewer, stranger] = await Promise.all([
      registerUser(api.url),
      registerUser(api.url),
      registerUser(api.url),
    ]);
    repository.commit('A plain page', { 'index.html': '<h1>hello</h1>' });
  });

  afterAll(async () => {
    await api?.close();
    await receiver.close();
    await dns.close();
  });

  /** A span around now that every point of the test falls in. */
  const around = (): { from: string; to: string } => ({
    from: new Date(Date.now() - 2 * HOUR * 1000).toISOString(),
    to: new Date(Date.now() + HOUR * 1000).toISOString(),
  });

  /** A metric's series over `around()`, per hour, as `metricSeries` answers it. */
  const series = async (
    projectId: string,
    name: string,
    aggregate: MetricAggregate,
    labels: Record<string, string> = {},
    span: { from: string; to: string } = around(),
  ) =>
    ok(
      await on.analytics.series(owner.accessToken, {
        projectId,
        name,
        ...span,
        step: HOUR,
        labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
        aggregate,
      }),
    ).metricSeries.points;

  /** COUNT or SUM of a metric over `around()`, its steps added up. */
  const total = async (
    projectId: string,
    name: string,
    aggregate: 'COUNT' | 'SUM',
    labels: Record<string, string> = {},
  ): Promise<number> => sum((await series(projectId, name, aggregate, labels)).map((p) => p.value ?? 0));

  const dashboard = async (projectId: string, token = owner.accessToken): Promise<DashboardPanels> =>
    ok(await on.platformMetrics.dashboard(token, { projectId, range: 'LAST_24_HOURS' })).dashboard;

  describe('builds and deployments', () => {
    let project: Project;
    const runs: Array<{ status: string; queuedAt: string; startedAt: string | null; finishedAt: string | null }> = [];

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      const build = async (buildCommand: string | null): Promise<void> => {
        ok(
          await on.builds.updateSettings(owner.accessToken, {
            projectId: project.id,
            repositoryUrl: repository.dir,
            installCommand: null,
            buildCommand,
            outputDirectory: null,
          }),
        );
        const queued = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
        await finishedBuild(api.url, owner.accessToken, queued.id, 60_000);
      };
      await build(null);
      await build('echo building');
      await build('exit 3');
      // A build canceled while it ran, and one canceled before it started (it never ran).
      ok(
        await on.builds.updateSettings(owner.accessToken, {
          projectId: project.id,
          buildCommand: 'echo started; sleep 60',
        }),
      );
      const running = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
      const waiting = ok(await on.builds.create(owner.accessToken, { projectId: project.id })).createBuild;
      await waitFor(
        async () =>
          ok(await on.builds.logs(owner.accessToken, { buildId: running.id, first: 100 })).buildLogs.some(
            (l) => l.text === 'started',
          ),
        30_000,
        'the slow build to start',
      );
      expect(ok(await on.builds.cancel(owner.accessToken, { buildId: waiting.id })).cancelBuild.status).toBe(
        'CANCELED',
      );
      ok(await on.builds.cancel(owner.accessToken, { buildId: running.id }));
      expect((await finishedBuild(api.url, owner.accessToken, running.id, 30_000)).status).toBe('CANCELED');
      const list = ok(await on.builds.list(owner.accessToken, { projectId: project.id, first: 20 })).builds.edges;
      for (const { node } of list) {
        runs.push(ok(await on.platformMetrics.buildTimes(owner.accessToken, { id: node.id })).build);
      }
      expect(runs.map((r) => r.status).sort()).toEqual(['CANCELED', 'CANCELED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED']);
    }, 180_000);

    const ran = () => runs.filter((r) => r.startedAt !== null);
    const durations = (status?: string) =>
      ran()
        .filter((r) => !status || r.status === status)
        .map((r) => ms(r.finishedAt) - ms(r.startedAt));

    it('records each build that ran with its duration by outcome and its queue wait, as the build recorded them', async () => {
      expect(ran()).toHaveLength(4);
      await waitFor(
        async () => (await total(project.id, 'slipway.build.duration', 'COUNT')) === 4,
        20_000,
        'four build durations',
      );
      for (const [outcome, status] of [
        ['succeeded', 'SUCCEEDED'],
        ['failed', 'FAILED'],
        ['canceled', 'CANCELED'],
      ] as const) {
        const expected = durations(status);
        expect(await total(project.id, 'slipway.build.duration', 'COUNT', { outcome })).toBe(expected.length);
        expect(await total(project.id, 'slipway.build.duration', 'SUM', { outcome })).toBe(sum(expected));
      }
      const waits = ran().map((r) => ms(r.startedAt) - ms(r.queuedAt));
      await waitFor(
        async () => (await total(project.id, 'slipway.build.queue_wait', 'COUNT')) === 4,
        20_000,
        'four queue waits',
      );
      expect(await total(project.id, 'slipway.build.queue_wait', 'SUM')).toBe(sum(waits));
      // The two successful builds of the production branch deployed.
      await waitFor(
        async () => (await total(project.id, 'slipway.deployment.created', 'COUNT', { kind: 'production' })) === 2,
        20_000,
        'two deployments',
      );
      expect(await total(project.id, 'slipway.deployment.created', 'SUM')).toBe(2);
      const names = ok(await on.analytics.names(owner.accessToken, { projectId: project.id })).metricNames;
      expect(names).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'slipway.build.duration', unit: 'ms', source: 'PLATFORM', series: 3 }),
          expect.objectContaining({ name: 'slipway.build.queue_wait', unit: 'ms', source: 'PLATFORM', series: 1 }),
          expect.objectContaining({ name: 'slipway.deployment.created', unit: 'count', source: 'PLATFORM', series: 1 }),
        ]),
      );
    });

    it('shows them on the dashboard: counts, success rate, durations and build minutes', async () => {
      const board = await waitFor(
        async () => {
          const current = await dashboard(project.id);
          return current.builds.count === 4 && current.deployments.total === 2 ? current : undefined;
        },
        20_000,
        'the dashboard to show the builds',
      );
      const all = durations();
      expect(board).toMatchObject({ projectId: project.id, range: 'LAST_24_HOURS', step: HOUR });
      expect(ms(board.to) - ms(board.from)).toBe(24 * HOUR * 1000);
      expect(board.deployments.series).toHaveLength(24);
      expect(sum(board.deployments.series.map((s) => s.count))).toBe(2);
      expect(board.builds).toMatchObject({ count: 4, succeeded: 2, failed: 1, canceled: 1 });
      expect(board.builds.successRate).toBeCloseTo(2 / 3, 10);
      expect(board.builds.averageDurationMs).toBeCloseTo(sum(all) / 4, 6);
      withinSketchError(board.builds.p95DurationMs, nearestRank(all, 0.95));
      const waits = ran().map((r) => ms(r.startedAt) - ms(r.queuedAt));
      expect(board.builds.averageQueueWaitMs).toBeCloseTo(sum(waits) / 4, 6);
      expect(sum(board.builds.series.map((s) => s.count))).toBe(4);
      expect(sum(board.builds.series.map((s) => s.succeeded))).toBe(2);
      const busy = board.builds.series.filter((s) => s.count > 0);
      for (const step of busy) expect(step.p95DurationMs).not.toBeNull();
      expect(board.builds.series.filter((s) => s.count === 0).every((s) => s.successRate === null)).toBe(true);
      expect(board.resources.buildMinutes).toBeCloseTo(sum(all) / 60_000, 9);
      expect(sum(board.resources.series.map((s) => s.buildMinutes))).toBeCloseTo(sum(all) / 60_000, 9);
      expect(board.functions).toMatchObject({ invocations: 0, errors: 0, errorRate: null, p95DurationMs: null });
    });

    it('exports every metric of the project per series and hour, as JSON and CSV that agree with the series', async () => {
      const span = around();
      const json = ok(await on.platformMetrics.report(owner.accessToken, { projectId: project.id, ...span })).report;
      expect(json).toMatchObject({ format: 'JSON', contentType: 'application/json', step: HOUR });
      expect(json.filename).toMatch(new RegExp(`^slipway-metrics-${project.id}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.json$`));
      const body = JSON.parse(json.body) as { projectId: string; step: number; rows: ReportRowJson[] };
      expect(body).toMatchObject({ projectId: project.id, step: HOUR });
      expect(body.rows).toHaveLength(json.rowCount);
      const durationRows = body.rows.filter((r) => r.metric === 'slipway.build.duration');
      expect(sum(durationRows.map((r) => r.count))).toBe(4);
      expect(sum(durationRows.map((r) => r.sum))).toBe(sum(durations()));
      expect(new Set(durationRows.map((r) => r.labels.outcome))).toEqual(new Set(['succeeded', 'failed', 'canceled']));
      expect(body.rows.some((r) => r.metric === 'slipway.api.request' && r.labels.operation === 'createBuild')).toBe(
        true,
      );

      // Each row is its series' value at its step, for every aggregate.
      const aggregates = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'P50', 'P95', 'P99'] as const;
      for (const row of [...durationRows, ...body.rows.filter((r) => r.metric === 'slipway.deployment.created')]) {
        for (const aggregate of aggregates) {
          const points = await series(project.id, row.metric, aggregate, row.labels, json);
          const value = points.find((p) => p.at === row.at)?.value;
          const field = aggregate.toLowerCase() as Lowercase<typeof aggregate>;
          expect([row.metric, row.labels, aggregate, value]).toEqual([
            row.metric,
            row.labels,
            aggregate,
            field === 'count' ? row.count : row[field],
          ]);
        }
      }

      const csv = ok(
        await on.platformMetrics.report(owner.accessToken, { projectId: project.id, ...span, format: 'CSV' }),
      ).report;
      expect(csv).toMatchObject({
        format: 'CSV',
        contentType: 'text/csv; charset=utf-8',
        from: json.from,
        to: json.to,
      });
      expect(csv.filename).toBe(json.filename.replace(/\.json$/, '.csv'));
      const [header, ...lines] = parseCsv(csv.body);
      expect(header).toEqual([
        'metric',
        'unit',
        'labels',
        'at',
        'count',
        'sum',
        'avg',
        'min',
        'max',
        'p50',
        'p95',
        'p99',
      ]);
      // The API rows of the CSV's own request differ from the JSON's: compare what both hold.
      const stable = (r: ReportRowJson): boolean => r.metric !== 'slipway.api.request';
      const fromCsv = lines.map(([metric, unit, labels, at, ...numbers]): ReportRowJson => {
        const [count, sumValue, avg, min, max, p50, p95, p99] = numbers.map(Number);
        return {
          metric: metric!,
          unit: unit || null,
          labels: JSON.parse(labels!) as Record<string, string>,
          at: at!,
          count: count!,
          sum: sumValue!,
          avg: avg!,
          min: min!,
          max: max!,
          p50: p50!,
          p95: p95!,
          p99: p99!,
        };
      });
      expect(fromCsv.filter(stable)).toEqual(body.rows.filter(stable));
      expect(lines).toHaveLength(csv.rowCount);
    });
  });

  describe('function invocations', () => {
    let project: Project;
    const invocations: FunctionInvocation[] = [];
    /** An invocation that failed before its code ran: it has no duration. */
    let unrun: FunctionInvocation;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      const create = async (name: string, source: string) =>
        ok(
          await on.functions.create(owner.accessToken, {
            projectId: project.id,
            name,
            runtime: 'nodejs20',
            handler: 'index.handler',
            files: [{ path: 'index.mjs', content: source }],
          }),
        ).createFunction;
      const echo = await create('echo', 'export const handler = async (event) => ({ event });\n');
      const thrower = await create('thrower', 'export const handler = async () => { throw new Error("no"); };\n');
      for (const [fn, n] of [
        [echo, 1],
        [echo, 2],
        [echo, 3],
        [thrower, 4],
      ] as const) {
        invocations.push(
          ok(await on.functions.invoke(owner.accessToken, { functionId: fn.id, payload: { n } })).invokeFunction,
        );
      }
      // A test run is not production traffic.
      ok(await on.functions.test(owner.accessToken, { functionId: echo.id, payload: {} }));
      const broken = await create(
        'broken',
        'throw new Error("broken at load");\nexport const handler = async () => 1;\n',
      );
      unrun = ok(await on.functions.invoke(owner.accessToken, { functionId: broken.id, payload: {} })).invokeFunction;
    }, 120_000);

    it('records every invocation with its duration, status and cold start, as the invocation recorded them', async () => {
      expect(invocations.map((i) => i.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED']);
      expect([unrun.status, unrun.durationMs]).toEqual(['FAILED', null]);
      // The one that never ran is counted apart, not as a duration of 0.
      await waitFor(
        async () => (await total(project.id, 'slipway.function.untimed', 'COUNT', { function: 'broken' })) === 1,
        20_000,
        'the invocation that never ran',
      );
      expect(await total(project.id, 'slipway.function.untimed', 'SUM')).toBe(1);
      await waitFor(
        async () => (await total(project.id, 'slipway.function.invocation', 'COUNT')) === 4,
        20_000,
        'four invocations',
      );
      const name = 'slipway.function.invocation';
      expect(await total(project.id, name, 'COUNT', { function: 'echo' })).toBe(3);
      expect(await total(project.id, name, 'COUNT', { function: 'echo', status: 'ok' })).toBe(3);
      expect(await total(project.id, name, 'COUNT', { status: 'error' })).toBe(1);
      expect(await total(project.id, name, 'COUNT', { function: 'thrower', status: 'error' })).toBe(1);
      const cold = invocations.filter((i) => i.coldStart).length;
      expect(cold).toBeGreaterThanOrEqual(2);
      expect(await total(project.id, name, 'COUNT', { cold: 'true' })).toBe(cold);
      expect(await total(project.id, name, 'COUNT', { cold: 'false' })).toBe(4 - cold);
      expect(await total(project.id, name, 'SUM')).toBeCloseTo(sum(invocations.map((i) => i.durationMs!)), 6);
      expect(await total(project.id, name, 'COUNT', { function: 'broken' })).toBe(0);
      expect(await total(project.id, name, 'COUNT')).toBe(4);
      const mins = await series(project.id, name, 'MIN');
      expect(Math.min(...mins.filter((p) => p.value !== null).map((p) => p.value!))).toBe(
        Math.min(...invocations.map((i) => i.durationMs!)),
      );
    });

    it('shows them on the dashboard: invocations, error rate, cold starts, p95 and compute seconds', async () => {
      const board = await waitFor(
        async () => {
          const current = await dashboard(project.id);
          return current.functions.invocations === 5 ? current : undefined;
        },
        20_000,
        'the dashboard to show the invocations',
      );
      // The invocation that never ran is an invocation and an error, but has no duration.
      const durations = invocations.map((i) => i.durationMs!);
      expect(board.functions).toMatchObject({
        invocations: 5,
        errors: 2,
        errorRate: 0.4,
        coldStarts: invocations.filter((i) => i.coldStart).length,
      });
      expect(board.functions.averageDurationMs).toBeCloseTo(sum(durations) / 4, 6);
      withinSketchError(board.functions.p95DurationMs, nearestRank(durations, 0.95));
      // Each step's p95 is the one metricSeries gives for the step.
      const p95s = await series(project.id, 'slipway.function.invocation', 'P95', {}, board);
      expect(board.functions.series.map((s) => [s.at, s.p95DurationMs])).toEqual(
        board.functions.series.map((s) => [s.at, p95s.find((p) => p.at === s.at)?.value ?? null]),
      );
      expect(sum(board.functions.series.map((s) => s.invocations))).toBe(5);
      expect(sum(board.functions.series.map((s) => s.errors))).toBe(2);
      expect(board.resources.functionComputeSeconds).toBeCloseTo(sum(durations) / 1000, 9);
      expect(board.builds.count).toBe(0);
      expect(board.deployments.total).toBe(0);

      // The longer ranges read day buckets: the same totals, one step per day.
      for (const [range, steps] of [
        ['LAST_7_DAYS', 7],
        ['LAST_30_DAYS', 30],
      ] as const) {
        const days = ok(
          await on.platformMetrics.dashboard(owner.accessToken, { projectId: project.id, range }),
        ).dashboard;
        expect([days.range, days.step, days.functions.series.length]).toEqual([range, 86_400, steps]);
        expect(ms(days.to) - ms(days.from)).toBe(steps * 86_400_000);
        expect(ms(days.from) % 86_400_000).toBe(0);
        expect(days.functions).toMatchObject({ invocations: 5, errors: 2, errorRate: 0.4 });
        expect(days.functions.p95DurationMs).toBe(board.functions.p95DurationMs);
        expect(days.resources.functionComputeSeconds).toBeCloseTo(sum(durations) / 1000, 9);
      }
    });
  });

  describe('webhook deliveries', () => {
    it('records each delivery attempt with its outcome and the latency its attempt recorded', async () => {
      const project = await createProject(api.url, owner.accessToken);
      receiver.answer = (path) => (path === '/fails' ? { status: 500 } : { status: 204 });
      const create = async (path: string) =>
        ok(
          await on.webhooks.create(owner.accessToken, {
            projectId: project.id,
            url: receiver.url(path),
            events: ['build.succeeded'],
          }),
        ).createWebhook.webhook;
      const good = await create('/works');
      const bad = await create('/fails');
      ok(await on.webhooks.test(owner.accessToken, { id: good.id }));
      ok(await on.webhooks.test(owner.accessToken, { id: bad.id }));
      const attempted = (webhookId: string): Promise<WebhookDelivery> =>
        waitFor(
          async () =>
            ok(await on.webhooks.deliveries(owner.accessToken, { webhookId, first: 10 }))
              .webhookDeliveries.edges.map((e) => e.node)
              .find((d) => d.attempts === 1),
          20_000,
          `an attempt of webhook ${webhookId}`,
        );
      const delivered = await attempted(good.id);
      const failed = await attempted(bad.id);
      expect(delivered.status).toBe('SUCCEEDED');
      expect(failed.status).toBe('PENDING');

      const name = 'slipway.webhook.delivery';
      await waitFor(async () => (await total(project.id, name, 'COUNT')) === 2, 20_000, 'two delivery attempts');
      expect(await total(project.id, name, 'COUNT', { outcome: 'delivered' })).toBe(1);
      expect(await total(project.id, name, 'COUNT', { outcome: 'failed' })).toBe(1);
      expect(await total(project.id, name, 'SUM', { outcome: 'delivered' })).toBeCloseTo(
        delivered.lastAttempt!.durationMs,
        6,
      );
      expect(await total(project.id, name, 'SUM', { outcome: 'failed' })).toBeCloseTo(
        failed.lastAttempt!.durationMs,
        6,
      );
    });
    it('counts an attempt that sent nothing apart, not as a latency of 0', async () => {
      const project = await createProject(api.url, owner.accessToken);
      receiver.answer = () => ({ status: 204 });
      // A name that resolves to the receiver when the endpoint is made, then to a forbidden address.
      dns.publishAddresses('unsent.test', RECEIVER_HOST);
      const hook = ok(
        await on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url('/unsent', 'unsent.test'),
          events: ['build.succeeded'],
        }),
      ).createWebhook.webhook;
      dns.publishAddresses('unsent.test', '10.0.0.8');
      ok(await on.webhooks.test(owner.accessToken, { id: hook.id }));
      const refused = await waitFor(
        async () =>
          ok(await on.webhooks.deliveries(owner.accessToken, { webhookId: hook.id, first: 10 }))
            .webhookDeliveries.edges.map((e) => e.node)
            .find((d) => d.attempts === 1),
        20_000,
        'the refused attempt',
      );
      expect([refused.lastAttempt?.errorCode, refused.lastAttempt?.statusCode]).toEqual(['FORBIDDEN_ADDRESS', null]);
      await waitFor(
        async () => (await total(project.id, 'slipway.webhook.unsent', 'COUNT', { reason: 'FORBIDDEN_ADDRESS' })) === 1,
        20_000,
        'the unsent attempt to be counted',
      );
      expect(await total(project.id, 'slipway.webhook.delivery', 'COUNT')).toBe(0);
      expect(receiver.at('/unsent')).toHaveLength(0);
    });

    it("records them in a project whose users have used up its metric names: the platform's names are not theirs", async () => {
      const project = await createProject(api.url, owner.accessToken);
      const record = (names: string[]) =>
        on.analytics.recordMany(owner.accessToken, {
          projectId: project.id,
          points: names.map((name) => ({ name, value: 1 })),
        });
      ok(await record(['app.a', 'app.b', 'app.c']));
      expect(reasonOf(await record(['app.d']))).toBe('TOO_MANY_METRICS');
      receiver.answer = () => ({ status: 204 });
      const hook = ok(
        await on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url('/full'),
          events: ['build.succeeded'],
        }),
      ).createWebhook.webhook;
      ok(await on.webhooks.test(owner.accessToken, { id: hook.id }));
      await waitFor(
        async () => (await total(project.id, 'slipway.webhook.delivery', 'COUNT', { outcome: 'delivered' })) === 1,
        20_000,
        'the delivery to be recorded',
      );
      const names = ok(await on.analytics.names(owner.accessToken, { projectId: project.id })).metricNames;
      expect(names.filter((n) => n.source === 'USER').map((n) => n.name)).toEqual(['app.a', 'app.b', 'app.c']);
      expect(names.filter((n) => n.source === 'PLATFORM').map((n) => n.name)).toEqual(
        expect.arrayContaining(['slipway.api.request', 'slipway.webhook.delivery']),
      );
    });
  });

  describe('API requests', () => {
    it("records each operation on a project with its outcome, and not the guard's refusals", async () => {
      const project = await createProject(api.url, owner.accessToken);
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
      for (let i = 0; i < 4; i += 1) ok(await on.builds.settings(owner.accessToken, { projectId: project.id }));
      ok(await on.builds.settings(viewer.accessToken, { projectId: project.id }));
      // Over WebSocket too.
      const client = modernClient(api.wsUrl, owner.accessToken);
      try {
        const overWs = await runOverWebSocket(client, BUILD_SETTINGS, { projectId: project.id });
        expect(overWs.data?.buildSettings?.projectId).toBe(project.id);
      } finally {
        await client.dispose();
      }
      // The project has no repository: the operation runs and fails.
      for (let i = 0; i < 2; i += 1) {
        expect(reasonOf(await on.builds.create(owner.accessToken, { projectId: project.id }))).toBe('NO_REPOSITORY');
      }
      // Refused by the guard: never measured, so no one can write points into a project by naming it.
      expect(codeOf(await on.builds.settings(stranger.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await on.builds.create(viewer.accessToken, { projectId: project.id }))).toBe('FORBIDDEN');
      expect(codeOf(await on.builds.settings(undefined, { projectId: project.id }))).toBe('UNAUTHENTICATED');
      const unknown = '0'.repeat(24);
      expect(codeOf(await on.builds.settings(owner.accessToken, { projectId: unknown }))).toBe('NOT_FOUND');

      const name = 'slipway.api.request';
      await waitFor(
        async () =>
          (await total(project.id, name, 'COUNT', { operation: 'buildSettings' })) === 6 &&
          (await total(project.id, name, 'COUNT', { operation: 'createBuild' })) === 2,
        20_000,
        'the operations to be counted',
      );
      expect(await total(project.id, name, 'COUNT', { operation: 'buildSettings', outcome: 'ok' })).toBe(6);
      expect(await total(project.id, name, 'COUNT', { operation: 'createBuild', outcome: 'error' })).toBe(2);
      expect(await total(project.id, name, 'COUNT', { outcome: 'error' })).toBe(2);
      expect(await total(project.id, name, 'SUM', { operation: 'buildSettings' })).toBeGreaterThan(0);
      const stored = api.app.get<Model<MetricSeriesRecord>>(getModelToken(MetricSeriesRecord.name));
      expect(await stored.countDocuments({ projectId: new Types.ObjectId(unknown) })).toBe(0);

      const board = await dashboard(project.id);
      // Every operation above, the queries of this test included, and only the two failures failed.
      expect(board.api.errors).toBe(2);
      expect(board.api.requests).toBeGreaterThanOrEqual(7);
      expect(board.api.errorRate).toBeCloseTo(2 / board.api.requests, 10);
      expect(board.api.p95LatencyMs).toBeGreaterThan(0);
      expect(sum(board.api.series.map((s) => s.requests))).toBe(board.api.requests);
    });
  });

  describe('bad input and permissions', () => {
    let project: Project;

    beforeAll(async () => {
      project = await createProject(api.url, owner.accessToken);
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    });

    it('refuses a report span that is empty, reversed or too long, and a report with too many rows', async () => {
      const now = Date.now();
      const report = (from: number, to: number) =>
        on.platformMetrics.report(owner.accessToken, {
          projectId: project.id,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
        });
      for (const [from, to] of [
        [now, now],
        [now, now - 60_000],
      ]) {
        const refused = await report(from!, to!);
        expect([codeOf(refused), reasonOf(refused)]).toEqual(['BAD_USER_INPUT', 'INVALID_TIME_RANGE']);
      }
      const long = await report(now - 367 * 86_400_000, now);
      expect([codeOf(long), reasonOf(long)]).toEqual(['BAD_USER_INPUT', 'REPORT_SPAN_TOO_LONG']);
      // The longest span is reported per day; this project has only the API's figures of its own
      // set-up, which are written after the requests were answered.
      const year = await waitFor(
        async () => {
          const current = ok(await report(now - 366 * 86_400_000, now)).report;
          return (JSON.parse(current.body) as { rows: ReportRowJson[] }).rows.length > 0 ? current : undefined;
        },
        10_000,
        "the API's figures of the project's set-up",
      );
      expect(year.step).toBe(86_400);
      const yearRows = (JSON.parse(year.body) as { rows: ReportRowJson[] }).rows;
      expect(yearRows.every((r) => r.metric === 'slipway.api.request')).toBe(true);

      // 101 series in one hour: one row more than ANALYTICS_REPORT_MAX_ROWS.
      const busy = await createProject(api.url, owner.accessToken);
      ok(
        await on.analytics.recordMany(owner.accessToken, {
          projectId: busy.id,
          points: Array.from({ length: 101 }, (_, i) => ({
            name: 'shop.orders',
            value: i,
            labels: [{ key: 'shop', value: `shop-${i}` }],
          })),
        }),
      );
      const large = await on.platformMetrics.report(owner.accessToken, { projectId: busy.id, ...around() });
      expect([codeOf(large), reasonOf(large)]).toEqual(['BAD_USER_INPUT', 'REPORT_TOO_LARGE']);
    });

    it('refuses a report larger than ANALYTICS_REPORT_MAX_BYTES, however few its rows', async () => {
      // Series with ten labels of 128 characters: about 1.5 KB a row, in JSON and in CSV.
      const wide = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
          name: 'wide.metric',
          value: i,
          labels: Array.from({ length: 10 }, (_v, k) => ({
            key: `label_${k}`,
            value: `${i}-${k}-`.padEnd(128, 'x'),
          })),
        }));
      const [narrow, broad] = await Promise.all([
        createProject(api.url, owner.accessToken),
        createProject(api.url, owner.accessToken),
      ]);
      ok(await on.analytics.recordMany(owner.accessToken, { projectId: narrow.id, points: wide(4) }));
      ok(await on.analytics.recordMany(owner.accessToken, { projectId: broad.id, points: wide(16) }));
      for (const format of ['JSON', 'CSV'] as const) {
        const fits = ok(
          await on.platformMetrics.report(owner.accessToken, { projectId: narrow.id, ...around(), format }),
        ).report;
        const rows = fits.body.split(format === 'CSV' ? '\r\nwide.metric,' : '"metric":"wide.metric"').length - 1;
        expect([format, rows]).toEqual([format, 4]);
        expect(Buffer.byteLength(fits.body)).toBeGreaterThan(4 * 1_400);
        expect(Buffer.byteLength(fits.body)).toBeLessThanOrEqual(REPORT_MAX_BYTES);

        const refused = await on.platformMetrics.report(owner.accessToken, {
          projectId: broad.id,
          ...around(),
          format,
        });
        expect([format, codeOf(refused), reasonOf(refused)]).toEqual([format, 'BAD_USER_INPUT', 'REPORT_TOO_LARGE']);
        expect(refused.errors?.[0]?.extensions?.details).toMatchObject({ maxBytes: REPORT_MAX_BYTES, maxRows: 100 });
        expect(refused.errors?.[0]?.message).toContain(`${REPORT_MAX_BYTES} bytes`);
      }
    });

    it('reports each label set apart, where metricSeries takes every series whose labels include the ones given', async () => {
      const project = await createProject(api.url, owner.accessToken);
      const at = new Date().toISOString();
      const eu = [{ key: 'region', value: 'eu' }];
      const euA = [...eu, { key: 'route', value: '/a' }];
      ok(
        await on.analytics.recordMany(owner.accessToken, {
          projectId: project.id,
          points: [
            { name: 'checkout.latency', value: 10, labels: eu, at },
            { name: 'checkout.latency', value: 20, labels: eu, at },
            { name: 'checkout.latency', value: 5, labels: euA, at },
          ],
        }),
      );
      const report = ok(
        await on.platformMetrics.report(owner.accessToken, { projectId: project.id, ...around() }),
      ).report;
      const rows = (JSON.parse(report.body) as { rows: ReportRowJson[] }).rows.filter(
        (r) => r.metric === 'checkout.latency',
      );
      expect(rows.map((r) => [r.labels, r.count, r.sum])).toEqual([
        [{ region: 'eu', route: '/a' }, 1, 5],
        [{ region: 'eu' }, 2, 30],
      ]);
      const step = (labels: Record<string, string>, aggregate: MetricAggregate) =>
        series(project.id, 'checkout.latency', aggregate, labels, report).then(
          (points) => points.find((p) => p.at === rows[0]!.at)?.value,
        );
      // The row of the wider label set is what metricSeries gives for it ...
      expect(await step({ region: 'eu', route: '/a' }, 'SUM')).toBe(5);
      // ... but metricSeries asked for { region: eu } takes both series: not the row of that label set.
      expect(await step({ region: 'eu' }, 'COUNT')).toBe(3);
      expect(await step({ region: 'eu' }, 'SUM')).toBe(35);
    });

    it('refuses a bad range, a bad project id and bad dates', async () => {
      const badRange = await gql(
        api.url,
        'query ($p: ID!) { dashboard(projectId: $p, range: LAST_YEAR) { step } }',
        { p: project.id },
        owner.accessToken,
      );
      expect([codeOf(badRange), reasonOf(badRange)]).toEqual(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);
      const badId = await on.platformMetrics.dashboard(owner.accessToken, { projectId: 'not-an-id' });
      expect([codeOf(badId), reasonOf(badId)]).toEqual(['BAD_USER_INPUT', 'INVALID_ID']);
      const badDate = await on.platformMetrics.report(owner.accessToken, {
        projectId: project.id,
        from: 'yesterday',
        to: new Date().toISOString(),
      });
      expect([codeOf(badDate), reasonOf(badDate)]).toEqual(['BAD_USER_INPUT', 'INVALID_INPUT']);
    });

    it('lets whoever may read metrics see the dashboard and report, and no one else', async () => {
      const span = around();
      expect((await dashboard(project.id, viewer.accessToken)).projectId).toBe(project.id);
      expect(
        ok(await on.platformMetrics.report(viewer.accessToken, { projectId: project.id, ...span })).report.format,
      ).toBe('JSON');
      for (const token of [stranger.accessToken, undefined]) {
        const expected = token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
        expect(codeOf(await on.platformMetrics.dashboard(token, { projectId: project.id }))).toBe(expected);
        expect(codeOf(await on.platformMetrics.report(token, { projectId: project.id, ...span }))).toBe(expected);
      }
      const narrow = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['build:read'],
      });
      expect(codeOf(await on.platformMetrics.dashboard(narrow.secret, { projectId: project.id }))).toBe('FORBIDDEN');
      const reader = await createApiToken(api.url, owner.accessToken, {
        projectId: project.id,
        scopes: ['metric:read'],
      });
      expect((await dashboard(project.id, reader.secret)).projectId).toBe(project.id);
    });
  });
});

/**
 * Hour buckets kept one day and day buckets six: a report and a dashboard over times whose buckets
 * of that resolution are gone read a resolution still kept, as metricSeries does.
 */
describe('platform metrics past the retention of a resolution', () => {
  let app: TestApp;
  let on: Operations;
  let owner: TestUser;
  let buckets: Model<MetricBucketRecord>;

  beforeAll(async () => {
    app = await startTestApp(
      { ANALYTICS_HOUR_RETENTION_DAYS: '1', ANALYTICS_DAY_RETENTION_DAYS: '6', ANALYTICS_SWEEP_INTERVAL_MS: '200' },
      { label: 'retention' },
    );
    on = operations(app.url);
    owner = await registerUser(app.url);
    buckets = app.app.get<Model<MetricBucketRecord>>(getModelToken(MetricBucketRecord.name));
  });

  afterAll(async () => {
    await app?.close();
  });

  /** Stored buckets of a metric of the project at a resolution. */
  const stored = (projectId: string, name: string, res: 'minute' | 'hour' | 'day'): Promise<number> =>
    buckets.countDocuments({ projectId: new Types.ObjectId(projectId), name, res }).exec();

  it('reports per day a span of hours no longer kept, with the figures metricSeries gives', async () => {
    const project = await createProject(app.url, owner.accessToken);
    const at = new Date(Date.now() - 3 * DAY * 1000);
    ok(
      await on.analytics.recordMany(owner.accessToken, {
        projectId: project.id,
        points: [2, 3].map((value) => ({ name: 'orders.total', value, at: at.toISOString() })),
      }),
    );
    await waitFor(
      async () => (await stored(project.id, 'orders.total', 'hour')) === 0,
      20_000,
      'the hour bucket to be swept',
    );
    expect(await stored(project.id, 'orders.total', 'day')).toBe(1);

    const span = {
      from: new Date(at.getTime() - HOUR * 1000).toISOString(),
      to: new Date(at.getTime() + HOUR * 1000).toISOString(),
    };
    const report = ok(await on.platformMetrics.report(owner.accessToken, { projectId: project.id, ...span })).report;
    expect(report.step).toBe(DAY);
    const rows = (JSON.parse(report.body) as { rows: ReportRowJson[] }).rows.filter((r) => r.metric === 'orders.total');
    expect(rows.map((r) => [r.count, r.sum, r.min, r.max])).toEqual([[2, 5, 2, 3]]);
    const daily = ok(
      await on.analytics.series(owner.accessToken, {
        projectId: project.id,
        name: 'orders.total',
        from: report.from,
        to: report.to,
        step: DAY,
        aggregate: 'SUM',
      }),
    ).metricSeries;
    expect(daily.points.find((p) => p.at === rows[0]!.at)?.value).toBe(5);
  });

  it('shows on the dashboard durations whose day buckets are gone, from the buckets metricSeries reads', async () => {
    const project = await createProject(app.url, owner.accessToken);
    // Within the first day of the last seven: its day bucket has expired, its minute buckets are kept.
    const today = Math.floor(Date.now() / (DAY * 1000)) * DAY * 1000;
    const at = new Date(today - 6 * DAY * 1000 + HOUR * 1000);
    const durations = [1_000, 2_000, 3_000, 40_000];
    await app.app.get(MetricsRecorderService).record(
      project.id,
      durations.map((value) => ({
        name: 'slipway.build.duration',
        value,
        unit: 'ms',
        labels: { outcome: 'succeeded' },
        at,
      })),
      'platform',
    );
    await waitFor(
      async () =>
        (await stored(project.id, 'slipway.build.duration', 'day')) === 0 &&
        (await stored(project.id, 'slipway.build.duration', 'hour')) === 0,
      20_000,
      'the day and hour buckets to be swept',
    );
    expect(await stored(project.id, 'slipway.build.duration', 'minute')).toBe(1);

    const board = ok(
      await on.platformMetrics.dashboard(owner.accessToken, { projectId: project.id, range: 'LAST_7_DAYS' }),
    ).dashboard;
    expect(ms(board.from)).toBe(today - 6 * DAY * 1000);
    expect(board.builds).toMatchObject({ count: 4, succeeded: 4, failed: 0 });
    expect(board.builds.averageDurationMs).toBeCloseTo(sum(durations) / 4, 6);
    withinSketchError(board.builds.p95DurationMs, nearestRank(durations, 0.95));
    const daily = ok(
      await on.analytics.series(owner.accessToken, {
        projectId: project.id,
        name: 'slipway.build.duration',
        from: board.from,
        to: board.to,
        step: DAY,
        aggregate: 'P95',
      }),
    ).metricSeries;
    expect(daily.resolution).toBe('MINUTE');
    expect(board.builds.series.map((s) => s.p95DurationMs)).toEqual(daily.points.map((p) => p.value));
    expect(board.builds.series[0]!.p95DurationMs).toBe(board.builds.p95DurationMs);
  });
});

/**
 * An API process and a worker in another OS process: the worker never hears of a deletion the API
 * process made, and still records nothing of the project it finishes work for afterwards.
 */
describe('platform metrics of a project deleted by another process', () => {
  const receiver = new WebhookReceiver(RECEIVER_HOST);
  const settings = {
    WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
    WEBHOOK_TIMEOUT_MS: '30000',
    WEBHOOK_RETRY_SCHEDULE: '1h',
  };
  let api: TestApp;
  let worker: ChildApi | undefined;

  beforeAll(async () => {
    await receiver.start();
    api = await startTestApp({ ...settings, PROCESS_ROLE: 'api' }, { label: 'split' });
    worker = await startChildApi(testEnv({ ...settings, PROCESS_ROLE: 'worker' }, 'split'));
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await receiver.close();
  });

  it('creates no series for it when a webhook attempt on the worker ends after the deletion', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const [doomed, alive] = await Promise.all([
      createProject(api.url, owner.accessToken),
      createProject(api.url, owner.accessToken),
    ]);
    receiver.answer = (path) => (path === '/hang' ? 'hang' : { status: 204 });
    const ping = async (projectId: string, path: string): Promise<void> => {
      const hook = ok(
        await on.webhooks.create(owner.accessToken, {
          projectId,
          url: receiver.url(path),
          events: ['build.succeeded'],
        }),
      ).createWebhook.webhook;
      ok(await on.webhooks.test(owner.accessToken, { id: hook.id }));
    };
    const series = api.app.get<Model<MetricSeriesRecord>>(getModelToken(MetricSeriesRecord.name));
    const buckets = api.app.get<Model<MetricBucketRecord>>(getModelToken(MetricBucketRecord.name));
    const deliveries = (projectId: string): Promise<number> =>
      series.countDocuments({ projectId: new Types.ObjectId(projectId), name: 'slipway.webhook.delivery' }).exec();
    const left = async (projectId: string): Promise<number> =>
      (await series.countDocuments({ projectId: new Types.ObjectId(projectId) }).exec()) +
      (await buckets.countDocuments({ projectId: new Types.ObjectId(projectId) }).exec());

    // The worker records the project's deliveries: it has met the project.
    await ping(doomed.id, '/first');
    await waitFor(async () => (await deliveries(doomed.id)) === 1, 20_000, 'the first delivery to be recorded');
    // An attempt under way on the worker while the API process deletes the project.
    await ping(doomed.id, '/hang');
    await waitFor(async () => receiver.at('/hang').length === 1, 20_000, 'the attempt to reach the receiver');
    ok(await on.projects.delete(owner.accessToken, { id: doomed.id }));
    await waitFor(async () => (await left(doomed.id)) === 0, 20_000, "the project's metrics to go");
    // The attempt ends now (the receiver drops its connection) and is measured on the worker.
    await receiver.close();
    await receiver.start();
    // A later attempt on the same worker, for a project that exists, is recorded after it.
    await ping(alive.id, '/alive');
    await waitFor(async () => (await deliveries(alive.id)) === 1, 20_000, "the other project's delivery");
    expect(await left(doomed.id)).toBe(0);
  }, 90_000);
});
