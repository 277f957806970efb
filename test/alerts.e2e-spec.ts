import { hostname } from 'node:os';
import { getModelToken } from '@nestjs/mongoose';
import Bull from 'bull';
import { Types, type Model } from 'mongoose';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { AlertEventRecord } from '../src/alerts/alert-event.schema';
import { AlertState } from '../src/alerts/alert-state';
import { AlertRecord, AlertSeverity, type AlertEvaluation } from '../src/alerts/alert.schema';
import { ALERTS_QUEUE, AlertJob } from '../src/alerts/jobs/alert-jobs';
import { MetricsQueryService } from '../src/analytics/metrics-query.service';
import { MetricsRecorderService } from '../src/analytics/metrics-recorder.service';
import { startChildApi, type ChildApi } from './support/child-api';
import { assignRole, createProject, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import {
  operations,
  subscribeAlertEvents,
  unchecked,
  type Alert,
  type AlertEvent,
  type CreateAlertInput,
  type Operations,
  type Project,
} from './support/operations';
import { SmtpCatcher } from './support/smtp-catcher';
import { startTestApp, testEnv, type TestApp } from './support/test-app';
import { WebhookReceiver, type ReceivedHook } from './support/webhook-receiver';
import { modernClient, type Received } from './support/ws-clients';

const RECEIVER_HOST = '127.0.0.7';
const INTERVAL_MS = 300;
/** Points are recorded this far apart: several per evaluation, so that no window of 1 s is ever empty. */
const POINT_EVERY_MS = 100;

/** A stretch of time during which a metric holds one value. */
interface Phase {
  ms: number;
  value: number;
}

/** The stream of a project's alert events, keeping everything it received. */
class AlertStream {
  readonly seen: AlertEvent[] = [];

  constructor(readonly received: Received<{ alertEvents: AlertEvent }>) {}

  /** The first event (received so far or next) passing `test`. */
  async until(test: (event: AlertEvent) => boolean, timeoutMs = 30_000): Promise<AlertEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find(test);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No such alert event within ${timeoutMs} ms; got ${JSON.stringify(this.seen)}`);
      this.seen.push((await this.received.next(left)).alertEvents);
    }
  }

  of(alertId: string): AlertEvent[] {
    return this.seen.filter((event) => event.alertId === alertId);
  }
}

/** Verifies a received request with the official Standard Webhooks library. */
function verify(secret: string, hook: ReceivedHook): { type: string; data: Record<string, unknown> } {
  return new StandardWebhook(secret).verify(hook.body, hook.headers) as { type: string; data: Record<string, unknown> };
}

/** Newest first from the API; oldest first here. */
const chronological = (events: AlertEvent[]): AlertEvent[] => [...events].reverse();
const transitions = (events: AlertEvent[]): string[] => events.map((e) => `${e.from}>${e.to}`);

describe('alerts', () => {
  let api: TestApp;
  let child: ChildApi;
  let on: Operations;
  let recorder: MetricsRecorderService;
  const smtp = new SmtpCatcher();
  const receiver = new WebhookReceiver(RECEIVER_HOST);

  beforeAll(async () => {
    await smtp.start();
    await receiver.start();
    const overrides = {
      ALERT_EVALUATION_INTERVAL_MS: String(INTERVAL_MS),
      ALERTS_PER_PROJECT: '6',
      SMTP_URL: smtp.url,
      MAIL_RETRY_BASE_MS: '200',
      WEBHOOK_ALLOWED_ADDRESSES: RECEIVER_HOST,
      WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 20 }, () => '250ms').join(','),
      WEBHOOK_SWEEP_INTERVAL_MS: '500',
    };
    api = await startTestApp(overrides);
    // Another API process on the same database and Redis, serving subscribers only.
    child = await startChildApi(testEnv({ ...overrides, PROCESS_ROLE: 'api' }));
    on = operations(api.url);
    recorder = api.app.get(MetricsRecorderService);
  });

  afterAll(async () => {
    await child?.stop();
    await api?.close();
    await receiver.close();
    await smtp.stop();
  });

  const rule = (projectId: string, overrides: Partial<CreateAlertInput> = {}): CreateAlertInput => ({
    projectId,
    name: 'Queue too deep',
    metric: 'queue.depth',
    aggregate: 'MAX',
    comparison: 'GT',
    threshold: 100,
    window: 1,
    for: 1,
    severity: 'CRITICAL',
    channels: [],
    ...overrides,
  });

  const create = async (token: string, input: CreateAlertInput): Promise<Alert> =>
    ok(await on.alerts.create(token, input)).createAlert;

  const history = async (token: string, projectId: string, alertId: string): Promise<AlertEvent[]> =>
    chronological(
      ok(await on.alerts.events(token, { projectId, alertId, first: 100 })).alertEvents.edges.map((e) => e.node),
    );

  /**
   * Records a metric's values from now on, one point every POINT_EVERY_MS, phase after phase.
   * Recorded ahead at once, the points are reached by the evaluations as time goes, whatever this
   * process is doing meanwhile. Resolves with when the last phase ends.
   */
  const schedule = async (projectId: string, metric: string, phases: Phase[], start = Date.now()): Promise<number> => {
    const points: { name: string; value: number; at: Date }[] = [];
    let at = start;
    for (const phase of phases) {
      for (const end = at + phase.ms; at < end; at += POINT_EVERY_MS)
        points.push({ name: metric, value: phase.value, at: new Date(at) });
    }
    await recorder.record(projectId, points, 'user');
    return at;
  };

  /** Waits until the rule's history holds a change to `to` (the `count`-th one), and returns the history. */
  const untilRecorded = async (
    token: string,
    projectId: string,
    alertId: string,
    to: AlertEvent['to'],
    count = 1,
    timeoutMs = 30_000,
  ): Promise<AlertEvent[]> =>
    waitFor(
      async () => {
        const events = await history(token, projectId, alertId);
        return events.filter((e) => e.to === to).length >= count ? events : undefined;
      },
      timeoutMs,
      `alert ${alertId} to be ${to} ${count} time(s)`,
    );

  /**
   * Opens the project's alert stream on the other API process and waits until it is live: a probe
   * rule fires (and is resolved by hand, and fires again) until the stream shows it.
   */
  const openStream = async (
    owner: TestUser,
    projectId: string,
  ): Promise<{ stream: AlertStream; close: () => Promise<void> }> => {
    const client = modernClient(child.wsUrl, owner.accessToken);
    const stream = new AlertStream(subscribeAlertEvents(client, { projectId }));
    const probe = await create(
      owner.accessToken,
      rule(projectId, { name: 'Probe', metric: 'probe', threshold: 0, window: 600, for: 0 }),
    );
    await recorder.record(projectId, [{ name: 'probe', value: 1 }], 'user');
    await waitFor(
      async () => {
        const current = ok(await on.alerts.get(owner.accessToken, { id: probe.id })).alert;
        if (current.state === 'FIRING') await on.alerts.resolve(owner.accessToken, { id: probe.id });
        return stream.until((e) => e.alertId === probe.id, 250).catch(() => undefined);
      },
      30_000,
      'the alert stream to be live',
    );
    ok(await on.alerts.delete(owner.accessToken, { id: probe.id }));
    return {
      stream,
      close: async () => {
        stream.received.close();
        await client.dispose();
      },
    };
  };

  describe('evaluation', () => {
    it('goes PENDING then FIRING on a real metric, streams it to another process, mails, posts the webhook, and resolves', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      const { webhook, secret } = ok(
        await on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url('/fired'),
          events: ['alert.*'],
        }),
      ).createWebhook;
      ok(
        await on.settings.updateNotifications(owner.accessToken, {
          projectId: project.id,
          rules: [
            {
              event: 'alert.*',
              channels: ['EMAIL'],
              recipients: { roles: ['owner'], emails: ['oncall@example.test'] },
            },
          ],
        }),
      );
      const { stream, close } = await openStream(owner, project.id);
      try {
        const alert = await create(
          owner.accessToken,
          rule(project.id, { channels: ['EMAIL', 'WEBHOOK'], labels: [{ key: 'queue', value: 'builds' }] }),
        );
        const start = Date.now();
        // Another queue's depth never counts: the rule reads the series labelled queue=builds only.
        await schedule(project.id, 'queue.other', [{ ms: 14_000, value: 10_000 }], start);
        const labelled = [
          { ms: 1_500, value: 40 },
          // Long enough for the evaluations to see the breach held, and the recovery, on a loaded machine.
          { ms: 5_000, value: 150 },
          { ms: 8_000, value: 20 },
        ];
        const points: { name: string; value: number; labels: Record<string, string>; at: Date }[] = [];
        let at = start;
        for (const phase of labelled) {
          for (const end = at + phase.ms; at < end; at += POINT_EVERY_MS) {
            points.push({ name: 'queue.depth', value: phase.value, labels: { queue: 'builds' }, at: new Date(at) });
            points.push({
              name: 'queue.depth',
              value: phase.value * 100,
              labels: { queue: 'deploys' },
              at: new Date(at),
            });
          }
        }
        await recorder.record(project.id, points, 'user');

        const events = await untilRecorded(owner.accessToken, project.id, alert.id, 'RESOLVED');
        expect(transitions(events)).toEqual(['OK>PENDING', 'PENDING>FIRING', 'FIRING>RESOLVED']);
        const [pending, firing, resolved] = events as [AlertEvent, AlertEvent, AlertEvent];
        // PENDING once the value crossed, FIRING only once the breach held for `for` (1 s).
        expect(Date.parse(pending.at)).toBeGreaterThanOrEqual(start + 1_500);
        expect(Date.parse(firing.at) - Date.parse(pending.at)).toBeGreaterThanOrEqual(1_000);
        expect(Date.parse(resolved.at) - Date.parse(firing.at)).toBeGreaterThanOrEqual(1_000);
        expect([pending.value, firing.value, resolved.value]).toEqual([150, 150, 20]);
        for (const event of events) {
          expect(event).toMatchObject({ name: 'Queue too deep', metric: 'queue.depth', threshold: 100, muted: false });
          expect(event.actorId).toBeNull();
        }
        const after = ok(await on.alerts.get(owner.accessToken, { id: alert.id })).alert;
        expect(after).toMatchObject({ state: 'RESOLVED', lastValue: 20, recoveringSince: null });
        expect(after.evaluations).toBeGreaterThanOrEqual(4);

        // The subscriber on the other process got the firing and the resolution, not the pending.
        const streamedFiring = await stream.until((e) => e.alertId === alert.id && e.to === 'FIRING');
        expect(streamedFiring).toEqual(firing);
        await stream.until((e) => e.alertId === alert.id && e.to === 'RESOLVED');
        expect(stream.of(alert.id).map((e) => e.to)).toEqual(['FIRING', 'RESOLVED']);

        // Mail to the owner (by role) and the listed address, for each.
        for (const to of [owner.email, 'oncall@example.test']) {
          const fired = await smtp.waitForMail(
            to,
            (m) => m.subject === `[CRITICAL] Queue too deep is firing in ${project.name}`,
          );
          expect(fired.text).toContain('Condition: MAX of queue.depth{queue=builds} over 1 s > 100');
          expect(fired.text).toContain('Value: 150');
          const done = await smtp.waitForMail(
            to,
            (m) => m.subject === `[CRITICAL] Queue too deep is resolved in ${project.name}`,
          );
          expect(done.text).toContain('Value: 20');
        }

        // The webhook endpoint subscribed to alert.* got both, signed.
        await waitFor(async () => receiver.at('/fired').length >= 2, 20_000, 'two webhook deliveries');
        const delivered = receiver.at('/fired').map((hook) => verify(secret, hook));
        expect(delivered.map((d) => d.type)).toEqual(['alert.fired', 'alert.resolved']);
        expect(delivered[0]!.data).toMatchObject({
          alertId: alert.id,
          name: 'Queue too deep',
          metric: 'queue.depth',
          severity: 'CRITICAL',
          value: 150,
          threshold: 100,
          state: 'FIRING',
          projectId: project.id,
        });
        expect(delivered[1]!.data).toMatchObject({ alertId: alert.id, value: 20, state: 'RESOLVED' });
        expect(webhook.events).toEqual(['alert.*']);
      } finally {
        await close();
      }
    }, 90_000);

    it('does not store what an evaluation computed from a condition changed while it ran', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      // The next evaluation of the rule is held inside its read of the metric until the rule has changed.
      const query = api.app.get(MetricsQueryService);
      const read = query.window.bind(query);
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held = false;
      const holding = jest.spyOn(query, 'window').mockImplementation(async (...args) => {
        const value = await read(...args);
        if (args[0] === project.id && !held) {
          held = true;
          entered();
          await released;
        }
        return value;
      });
      try {
        await schedule(project.id, 'race.before', [{ ms: 60_000, value: 150 }]);
        await schedule(project.id, 'race.after', [{ ms: 60_000, value: 50 }]);
        const alert = await create(
          owner.accessToken,
          rule(project.id, { name: 'Raced', metric: 'race.before', window: 60, for: 0 }),
        );
        await inside;
        // The held evaluation saw 150 > 100 on the old metric; the rule now watches one at 50. Neither
        // that state nor that value may be stored for it, nor the value be judged by the new rule.
        const changed = ok(
          await on.alerts.update(owner.accessToken, { id: alert.id, metric: 'race.after' }),
        ).updateAlert;
        expect(changed).toMatchObject({ metric: 'race.after', state: 'OK' });
        const releasedAt = Date.now();
        release();
        // Once evaluations have gone on past the held one, nothing it computed from the old condition stands.
        const after = await waitFor(
          async () => {
            const current = ok(await on.alerts.get(owner.accessToken, { id: alert.id })).alert;
            const evaluatedAt = current.lastEvaluatedAt === null ? 0 : Date.parse(current.lastEvaluatedAt);
            return current.evaluations >= changed.evaluations + 2 && evaluatedAt > releasedAt ? current : undefined;
          },
          30_000,
          'evaluations after the change',
        );
        expect(after).toMatchObject({ state: 'OK', lastValue: 50, metric: 'race.after' });
        expect(await history(owner.accessToken, project.id, alert.id)).toEqual([]);
      } finally {
        release();
        holding.mockRestore();
      }
    }, 60_000);

    it('fires on a metric that stops reporting: with noData ALERTING, and with COUNT < 1', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      // The metric reports (never above 1000) for a while, then stops; the rules start with it.
      const stopped = await schedule(project.id, 'heartbeat', [{ ms: 5_000, value: 1 }]);
      const watch = { metric: 'heartbeat', aggregate: 'MAX', comparison: 'GT', threshold: 1_000 } as const;
      const alerting = await create(
        owner.accessToken,
        rule(project.id, { ...watch, name: 'Silent (alerting)', noData: 'ALERTING' }),
      );
      const quiet = await create(owner.accessToken, rule(project.id, { ...watch, name: 'Silent (default)' }));
      expect([alerting.noData, quiet.noData]).toEqual(['ALERTING', 'OK']);
      const absent = await create(
        owner.accessToken,
        rule(project.id, { metric: 'heartbeat', aggregate: 'COUNT', comparison: 'LT', threshold: 1, name: 'Absent' }),
      );

      for (const id of [alerting.id, absent.id]) {
        const events = await untilRecorded(owner.accessToken, project.id, id, 'FIRING');
        expect(transitions(events)).toEqual(['OK>PENDING', 'PENDING>FIRING']);
        // Only once the window (1 s) held no point, and while reporting it never breached.
        expect(Date.parse(events[0]!.at)).toBeGreaterThanOrEqual(stopped);
        expect(events.map((e) => e.value)).toEqual(id === absent.id ? [0, 0] : [null, null]);
      }
      expect(ok(await on.alerts.get(owner.accessToken, { id: absent.id })).alert.lastValue).toBe(0);
      // The same rule counting no data as OK saw the silence and did nothing.
      const unmoved = ok(await on.alerts.get(owner.accessToken, { id: quiet.id })).alert;
      expect(unmoved).toMatchObject({ state: 'OK', lastValue: null });
      expect(Date.parse(unmoved.lastEvaluatedAt!)).toBeGreaterThanOrEqual(stopped + 1_000);
      expect(await history(owner.accessToken, project.id, quiet.id)).toEqual([]);
    }, 60_000);

    it('records and tells a change whose history entry could not be written at first', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      const { stream, close } = await openStream(owner, project.id);
      // The history refuses the rule's first entry, as a database refusing a write would.
      const events = api.app.get<Model<AlertEventRecord>>(getModelToken(AlertEventRecord.name));
      const write = events.create.bind(events);
      const refused: Date[] = [];
      let target = '';
      const refusing = jest.spyOn(events, 'create').mockImplementation(((doc: { alertId?: unknown }) => {
        if (target !== '' && String(doc.alertId) === target && refused.length === 0) {
          refused.push(new Date());
          return Promise.reject(new Error('write refused'));
        }
        return write(doc as never);
      }) as never);
      try {
        const alert = await create(
          owner.accessToken,
          rule(project.id, { name: 'Refused', metric: 'refused', for: 0, channels: ['WEBHOOK'] }),
        );
        target = alert.id;
        await schedule(project.id, 'refused', [{ ms: 60_000, value: 500 }]);

        const recorded = await untilRecorded(owner.accessToken, project.id, alert.id, 'FIRING');
        expect(refused).toHaveLength(1);
        expect(transitions(recorded)).toEqual(['OK>FIRING']);
        const [firing] = recorded as [AlertEvent];
        // Recorded as it happened, before the refusal, not when the entry was written at last.
        expect(Date.parse(firing.at)).toBeLessThanOrEqual(refused[0]!.getTime());
        expect(firing).toMatchObject({ value: 500, actorId: null, muted: false });
        // Streamed, and announced, once.
        expect(await stream.until((e) => e.alertId === alert.id && e.to === 'FIRING')).toEqual(firing);
        const announced = await waitFor(
          async () => {
            const feed = ok(await on.team.activity(owner.accessToken, { projectId: project.id, first: 100 })).activity;
            const found = feed.edges.filter((e) => e.node.event === 'alert.fired' && e.node.object.id === alert.id);
            return found.length > 0 ? found : undefined;
          },
          20_000,
          'alert.fired in the activity feed',
        );
        expect(announced).toHaveLength(1);
        expect(stream.of(alert.id).map((e) => e.to)).toEqual(['FIRING']);
        // Nothing is left pending on the rule.
        const alerts = api.app.get<Model<AlertRecord>>(getModelToken(AlertRecord.name));
        const stored = await alerts.findById(alert.id).lean<AlertRecord>().exec();
        expect(stored).toMatchObject({ state: 'FIRING', outbox: [], outboxLeaseUntil: null });
      } finally {
        refusing.mockRestore();
        await close();
      }
    }, 90_000);

    it('takes over the changes a process left pending when it stopped, recording each once, in order', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      const alert = await create(owner.accessToken, rule(project.id, { name: 'Orphaned', enabled: false }));
      const alerts = api.app.get<Model<AlertRecord>>(getModelToken(AlertRecord.name));
      const events = api.app.get<Model<AlertEventRecord>>(getModelToken(AlertEventRecord.name));
      // As a process leaves them when it stops midway: two changes pending under its lease, the
      // first already in the history (it stopped before taking it off the rule).
      const now = Date.now();
      const change = (from: AlertState, to: AlertState, at: number, value: number) => ({
        _id: new Types.ObjectId(),
        from,
        to,
        value,
        at: new Date(at),
        actorId: null,
        muted: false,
        name: 'Orphaned',
        metric: 'queue.depth',
        threshold: 100,
        severity: AlertSeverity.CRITICAL,
      });
      const first = change(AlertState.OK, AlertState.FIRING, now - 2_000, 150);
      const second = change(AlertState.FIRING, AlertState.RESOLVED, now - 1_000, 20);
      await events.create({
        ...first,
        alertId: new Types.ObjectId(alert.id),
        projectId: new Types.ObjectId(project.id),
        expiresAt: new Date(now + 86_400_000),
      });
      const leaseUntil = new Date(now + 8_000);
      await alerts
        .updateOne(
          { _id: alert.id },
          { $set: { outbox: [first, second], outboxLeaseUntil: leaseUntil, outboxLeaseId: 'stopped-process' } },
        )
        .exec();

      // While the lease holds, the sweeps of several evaluation runs leave them alone.
      const witness = await create(owner.accessToken, rule(project.id, { name: 'Witness', metric: 'witness' }));
      await waitFor(
        async () => ok(await on.alerts.get(owner.accessToken, { id: witness.id })).alert.evaluations >= 3,
        10_000,
        'three evaluation runs',
      );
      expect(Date.now()).toBeLessThan(leaseUntil.getTime());
      expect((await history(owner.accessToken, project.id, alert.id)).map((e) => e.id)).toEqual([
        first._id.toHexString(),
      ]);

      // Once it has run out, a sweep takes them over.
      const recorded = await untilRecorded(owner.accessToken, project.id, alert.id, 'RESOLVED');
      expect(Date.now()).toBeGreaterThanOrEqual(leaseUntil.getTime());
      expect(recorded.map((e) => [e.id, e.from, e.to, e.value, Date.parse(e.at)])).toEqual([
        [first._id.toHexString(), 'OK', 'FIRING', 150, first.at.getTime()],
        [second._id.toHexString(), 'FIRING', 'RESOLVED', 20, second.at.getTime()],
      ]);
      await waitFor(
        async () => {
          const stored = await alerts.findById(alert.id).lean<AlertRecord>().exec();
          return stored?.outbox.length === 0 && stored.outboxLeaseUntil === null ? stored : undefined;
        },
        10_000,
        'nothing left pending',
      );
      expect(await history(owner.accessToken, project.id, alert.id)).toEqual(recorded);
    }, 60_000);

    it('resolves a firing rule it deletes, and tells of it with who deleted it', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      ok(
        await on.settings.updateNotifications(owner.accessToken, {
          projectId: project.id,
          rules: [{ event: 'alert.*', channels: ['EMAIL'], recipients: { emails: ['deleted-watch@example.test'] } }],
        }),
      );
      const { stream, close } = await openStream(owner, project.id);
      try {
        const alert = await create(
          owner.accessToken,
          rule(project.id, { name: 'Doomed', metric: 'doomed', for: 0, channels: ['EMAIL', 'WEBHOOK'] }),
        );
        // Still breaching when deleted, and afterwards.
        await schedule(project.id, 'doomed', [{ ms: 60_000, value: 500 }]);
        await stream.until((e) => e.alertId === alert.id && e.to === 'FIRING');

        expect(ok(await on.alerts.delete(owner.accessToken, { id: alert.id })).deleteAlert).toBe(true);
        expect(codeOf(await on.alerts.get(owner.accessToken, { id: alert.id }))).toBe('NOT_FOUND');
        const resolved = await stream.until((e) => e.alertId === alert.id && e.to === 'RESOLVED');
        expect(resolved).toMatchObject({ from: 'FIRING', actorId: owner.id, value: null, muted: false });
        // The history outlives the rule, and says who ended it.
        const events = await history(owner.accessToken, project.id, alert.id);
        expect(transitions(events)).toEqual(['OK>FIRING', 'FIRING>RESOLVED']);
        expect(events[1]).toEqual(resolved);
        const mail = await smtp.waitForMail(
          'deleted-watch@example.test',
          (m) => m.subject?.includes('Doomed is resolved') === true,
        );
        expect(mail.text).toContain('Resolved by hand by Test User.');
        const announced = await waitFor(
          async () => {
            const feed = ok(await on.team.activity(owner.accessToken, { projectId: project.id, first: 100 })).activity;
            const found = feed.edges.filter((e) => e.node.event === 'alert.resolved' && e.node.object.id === alert.id);
            return found.length > 0 ? found : undefined;
          },
          20_000,
          'alert.resolved in the activity feed',
        );
        expect(announced).toHaveLength(1);
        // Gone, it is evaluated no more: while a rule on the same metric is evaluated and fires, nothing
        // follows the resolution.
        const witness = await create(
          owner.accessToken,
          rule(project.id, { name: 'Witness', metric: 'doomed', for: 0 }),
        );
        await stream.until((e) => e.alertId === witness.id && e.to === 'FIRING');
        await waitFor(
          async () => ok(await on.alerts.get(owner.accessToken, { id: witness.id })).alert.evaluations >= 4,
          20_000,
          'evaluations of the witness rule',
        );
        expect(await history(owner.accessToken, project.id, alert.id)).toEqual(events);
        expect(stream.of(alert.id).map((e) => e.to)).toEqual(['FIRING', 'RESOLVED']);
      } finally {
        await close();
      }
    }, 90_000);

    it('does not flap on a value oscillating at the threshold: fires once, resolves once it really recovers', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      const { stream, close } = await openStream(owner, project.id);
      try {
        const alert = await create(
          owner.accessToken,
          rule(project.id, { name: 'Hovering', metric: 'hover', recoveryThreshold: 80, for: 0 }),
        );
        const seen = new Set<string>();
        const sampling = (async () => {
          for (;;) {
            const current = (await on.alerts.get(owner.accessToken, { id: alert.id })).data?.alert;
            if (current?.lastValue != null) seen.add(`${current.state}@${current.lastValue}`);
            if (current?.state === 'RESOLVED') return;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })();
        const end = await schedule(project.id, 'hover', [
          { ms: 2_000, value: 105 },
          { ms: 3_000, value: 95 },
          { ms: 2_000, value: 105 },
          { ms: 3_000, value: 95 },
          { ms: 2_000, value: 105 },
          { ms: 4_000, value: 50 },
        ]);
        const events = await untilRecorded(owner.accessToken, project.id, alert.id, 'RESOLVED', 1, 60_000);
        await sampling;

        expect(transitions(events)).toEqual(['OK>FIRING', 'FIRING>RESOLVED']);
        // It resolved only in the last phase, after every crossing of the threshold.
        expect(Date.parse(events[1]!.at)).toBeGreaterThanOrEqual(end - 4_000);
        // The value under the threshold was seen, and the rule stayed FIRING through it.
        expect(seen).toContain('FIRING@95');
        expect(seen).toContain('FIRING@105');
        await stream.until((e) => e.alertId === alert.id && e.to === 'RESOLVED');
        expect(stream.of(alert.id).map((e) => e.to)).toEqual(['FIRING', 'RESOLVED']);
      } finally {
        await close();
      }
    }, 90_000);

    it('keeps evaluating and recording a muted rule but notifies no one, and tells of a resolution by hand once unmuted', async () => {
      const owner = await registerUser(api.url);
      const project = await createProject(api.url, owner.accessToken);
      const { secret } = ok(
        await on.webhooks.create(owner.accessToken, {
          projectId: project.id,
          url: receiver.url('/muted'),
          events: ['alert.*'],
        }),
      ).createWebhook;
      ok(
        await on.settings.updateNotifications(owner.accessToken, {
          projectId: project.id,
          rules: [{ event: 'alert.*', channels: ['EMAIL'], recipients: { emails: ['muted-watch@example.test'] } }],
        }),
      );
      const { stream, close } = await openStream(owner, project.id);
      try {
        const channels: CreateAlertInput['channels'] = ['EMAIL', 'WEBHOOK'];
        const quiet = await create(
          owner.accessToken,
          rule(project.id, { name: 'Quiet', metric: 'm.quiet', for: 0, channels }),
        );
        const until = new Date(Date.now() + 3_600_000).toISOString();
        const muted = ok(await on.alerts.mute(owner.accessToken, { id: quiet.id, until })).muteAlert;
        expect(muted.mutedUntil).toBe(until);
        await schedule(project.id, 'm.quiet', [{ ms: 60_000, value: 500 }]);

        const quietFiring = await stream.until((e) => e.alertId === quiet.id && e.to === 'FIRING');
        expect(quietFiring.muted).toBe(true);
        expect((await history(owner.accessToken, project.id, quiet.id)).map((e) => [e.to, e.muted])).toEqual([
          ['FIRING', true],
        ]);

        // A rule that fires after it, unmuted, is told through both channels; the muted one never was.
        const loud = await create(
          owner.accessToken,
          rule(project.id, { name: 'Loud', metric: 'm.loud', for: 0, channels }),
        );
        await schedule(project.id, 'm.loud', [{ ms: 60_000, value: 500 }]);
        await smtp.waitForMail('muted-watch@example.test', (m) => m.subject?.includes('Loud is firing') === true);
        await waitFor(async () => receiver.at('/muted').length >= 1, 20_000, 'the webhook of the unmuted rule');
        const hooks = receiver.at('/muted').map((hook) => verify(secret, hook));
        expect(hooks.map((h) => [h.type, h.data.alertId])).toEqual([['alert.fired', loud.id]]);
        expect(smtp.messagesTo('muted-watch@example.test').map((m) => m.subject)).not.toContainEqual(
          expect.stringContaining('Quiet'),
        );
        // Nor was alert.fired announced for it: the activity feed has the unmuted rule's only.
        const activity = ok(await on.team.activity(owner.accessToken, { projectId: project.id, first: 100 })).activity;
        const announced = activity.edges.filter((e) => e.node.event.startsWith('alert.'));
        expect(announced.map((e) => [e.node.event, e.node.object.id, e.node.object.name])).toEqual([
          ['alert.fired', loud.id, 'Loud'],
        ]);

        // Unmuted, a resolution by hand is told, with who did it.
        expect(ok(await on.alerts.unmute(owner.accessToken, { id: quiet.id })).unmuteAlert.mutedUntil).toBeNull();
        const resolved = ok(await on.alerts.resolve(owner.accessToken, { id: quiet.id })).resolveAlert;
        expect(resolved.state).toBe('RESOLVED');
        const byHand = await stream.until((e) => e.alertId === quiet.id && e.to === 'RESOLVED');
        expect(byHand).toMatchObject({ from: 'FIRING', actorId: owner.id, value: null, muted: false });
        const mail = await smtp.waitForMail(
          'muted-watch@example.test',
          (m) => m.subject?.includes('Quiet is resolved') === true,
        );
        // Named, without their address: the mail may go to addresses outside the project.
        expect(mail.text).toContain('Resolved by hand by Test User.');
        expect(mail.text).not.toContain(owner.email);
        expect(mail.html).not.toContain(owner.email);
        await waitFor(async () => receiver.at('/muted').length >= 2, 20_000, 'the webhook of the resolution');
        expect(verify(secret, receiver.at('/muted')[1]!)).toMatchObject({
          type: 'alert.resolved',
          data: { alertId: quiet.id, state: 'RESOLVED', actorId: owner.id },
        });

        // Still breaching, the rule fires again at its next evaluation: a resolution by hand is not a mute.
        const again = await untilRecorded(owner.accessToken, project.id, quiet.id, 'FIRING', 2);
        expect(transitions(again)).toEqual(['OK>FIRING', 'FIRING>RESOLVED', 'RESOLVED>FIRING']);

        // Disabled while firing, a rule is resolved (and told), and evaluated no more.
        const disabled = ok(await on.alerts.update(owner.accessToken, { id: quiet.id, enabled: false })).updateAlert;
        expect(disabled).toMatchObject({ enabled: false, state: 'RESOLVED' });
        const evaluations = disabled.evaluations;
        await untilRecorded(owner.accessToken, project.id, loud.id, 'FIRING', 1);
        const last = await history(owner.accessToken, project.id, quiet.id);
        expect(last[last.length - 1]).toMatchObject({ from: 'FIRING', to: 'RESOLVED', actorId: owner.id });
        // Several ticks later it has not been evaluated again, while the enabled rule has.
        const loudBefore = ok(await on.alerts.get(owner.accessToken, { id: loud.id })).alert.evaluations;
        await waitFor(
          async () => ok(await on.alerts.get(owner.accessToken, { id: loud.id })).alert.evaluations >= loudBefore + 3,
          20_000,
          'three more evaluations of the enabled rule',
        );
        expect(ok(await on.alerts.get(owner.accessToken, { id: quiet.id })).alert.evaluations).toBe(evaluations);
      } finally {
        await close();
      }
    }, 90_000);
  });

  describe('rules', () => {
    let owner: TestUser;
    let project: Project;

    beforeAll(async () => {
      owner = await registerUser(api.url);
      project = await createProject(api.url, owner.accessToken);
    });

    it('refuses bad input with a stable code, on every input path, changing nothing', async () => {
      const base = rule(project.id);
      const refusals: [Promise<GraphQLResponse<unknown>>, string, string][] = [
        [on.alerts.create(owner.accessToken, { ...base, name: '   ' }), 'BAD_USER_INPUT', 'INVALID_NAME'],
        [on.alerts.create(owner.accessToken, { ...base, name: 'x'.repeat(101) }), 'BAD_USER_INPUT', 'INVALID_NAME'],
        [on.alerts.create(owner.accessToken, { ...base, name: 'x'.repeat(201) }), 'BAD_USER_INPUT', 'INVALID_INPUT'],
        [on.alerts.create(owner.accessToken, { ...base, metric: 'no spaces' }), 'BAD_USER_INPUT', 'INVALID_METRIC'],
        [on.alerts.create(owner.accessToken, { ...base, metric: '9lives' }), 'BAD_USER_INPUT', 'INVALID_METRIC'],
        [
          on.alerts.create(owner.accessToken, { ...base, labels: [{ key: '1st', value: 'a' }] }),
          'BAD_USER_INPUT',
          'INVALID_LABELS',
        ],
        [
          on.alerts.create(owner.accessToken, { ...base, labels: [{ key: 'queue', value: '' }] }),
          'BAD_USER_INPUT',
          'INVALID_LABELS',
        ],
        [
          on.alerts.create(owner.accessToken, {
            ...base,
            labels: [
              { key: 'queue', value: 'a' },
              { key: 'queue', value: 'b' },
            ],
          }),
          'BAD_USER_INPUT',
          'INVALID_LABELS',
        ],
        [
          on.alerts.create(owner.accessToken, {
            ...base,
            labels: Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' })),
          }),
          'BAD_USER_INPUT',
          'INVALID_LABELS',
        ],
        [
          on.alerts.create(owner.accessToken, {
            ...base,
            labels: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: 'v' })),
          }),
          'BAD_USER_INPUT',
          'INVALID_INPUT',
        ],
        [on.alerts.create(owner.accessToken, { ...base, window: 0 }), 'BAD_USER_INPUT', 'INVALID_WINDOW'],
        [on.alerts.create(owner.accessToken, { ...base, window: 86_401 }), 'BAD_USER_INPUT', 'INVALID_WINDOW'],
        [on.alerts.create(owner.accessToken, { ...base, for: -1 }), 'BAD_USER_INPUT', 'INVALID_FOR'],
        [on.alerts.create(owner.accessToken, { ...base, for: 86_401 }), 'BAD_USER_INPUT', 'INVALID_FOR'],
        [
          on.alerts.create(owner.accessToken, { ...base, recoveryThreshold: 120 }),
          'BAD_USER_INPUT',
          'INVALID_RECOVERY_THRESHOLD',
        ],
        [
          on.alerts.create(owner.accessToken, { ...base, comparison: 'LTE', threshold: 10, recoveryThreshold: 5 }),
          'BAD_USER_INPUT',
          'INVALID_RECOVERY_THRESHOLD',
        ],
        [
          on.alerts.create(owner.accessToken, { ...base, channels: ['EMAIL', 'WEBHOOK', 'EMAIL'] }),
          'BAD_USER_INPUT',
          'INVALID_INPUT',
        ],
        [on.alerts.create(owner.accessToken, { ...base, projectId: 'nope' }), 'BAD_USER_INPUT', 'INVALID_ID'],
      ];
      for (const [pending, code, reason] of refusals) {
        const response = await pending;
        expect([codeOf(response), reasonOf(response)]).toEqual([code, reason]);
      }
      // Values the schema itself refuses: an unknown channel, severity or comparison.
      for (const input of [
        { ...base, channels: ['SMS'] },
        { ...base, severity: 'PANIC' },
        { ...base, comparison: 'EQ' },
        { ...base, noData: 'MAYBE' },
        { ...base, threshold: 'high' },
      ]) {
        expect(codeOf(await on.alerts.create(owner.accessToken, unchecked<CreateAlertInput>(input)))).toBe(
          'BAD_USER_INPUT',
        );
      }
      expect(ok(await on.alerts.list(owner.accessToken, { projectId: project.id })).alerts).toEqual([]);

      const alert = await create(owner.accessToken, { ...base, recoveryThreshold: 80 });
      const id = alert.id;
      const updates: [Promise<GraphQLResponse<unknown>>, string, string][] = [
        [on.alerts.update(owner.accessToken, { id, name: '' }), 'BAD_USER_INPUT', 'INVALID_NAME'],
        [on.alerts.update(owner.accessToken, { id, metric: 'a b' }), 'BAD_USER_INPUT', 'INVALID_METRIC'],
        [
          on.alerts.update(owner.accessToken, { id, labels: [{ key: 'ok', value: 'x'.repeat(129) }] }),
          'BAD_USER_INPUT',
          'INVALID_LABELS',
        ],
        [on.alerts.update(owner.accessToken, { id, window: 100_000 }), 'BAD_USER_INPUT', 'INVALID_WINDOW'],
        [on.alerts.update(owner.accessToken, { id, for: -5 }), 'BAD_USER_INPUT', 'INVALID_FOR'],
        // The stored recovery threshold (80) would be on the breaching side of an LT 100 rule.
        [on.alerts.update(owner.accessToken, { id, comparison: 'LT' }), 'BAD_USER_INPUT', 'INVALID_RECOVERY_THRESHOLD'],
        [on.alerts.update(owner.accessToken, { id, threshold: 50 }), 'BAD_USER_INPUT', 'INVALID_RECOVERY_THRESHOLD'],
        [
          on.alerts.update(owner.accessToken, { id, recoveryThreshold: 101 }),
          'BAD_USER_INPUT',
          'INVALID_RECOVERY_THRESHOLD',
        ],
        [on.alerts.update(owner.accessToken, { id: 'nope' }), 'BAD_USER_INPUT', 'INVALID_ID'],
        [
          on.alerts.mute(owner.accessToken, { id, until: new Date(Date.now() - 1_000).toISOString() }),
          'BAD_USER_INPUT',
          'INVALID_MUTE',
        ],
        [
          on.alerts.mute(owner.accessToken, { id, until: new Date(Date.now() + 31 * 86_400_000).toISOString() }),
          'BAD_USER_INPUT',
          'INVALID_MUTE',
        ],
        [on.alerts.resolve(owner.accessToken, { id }), 'CONFLICT', 'ALERT_NOT_FIRING'],
        [
          on.alerts.events(owner.accessToken, { projectId: project.id, after: 'garbage' }),
          'BAD_USER_INPUT',
          'INVALID_CURSOR',
        ],
        [on.alerts.events(owner.accessToken, { projectId: project.id, first: 0 }), 'BAD_USER_INPUT', 'INVALID_INPUT'],
      ];
      for (const [pending, code, reason] of updates) {
        const response = await pending;
        expect([codeOf(response), reasonOf(response)]).toEqual([code, reason]);
      }
      const unknown = '0123456789abcdef01234567';
      expect(codeOf(await on.alerts.update(owner.accessToken, { id: unknown, name: 'x' }))).toBe('NOT_FOUND');
      expect(codeOf(await on.alerts.delete(owner.accessToken, { id: unknown }))).toBe('NOT_FOUND');
      expect(codeOf(await on.alerts.get(owner.accessToken, { id: unknown }))).toBe('NOT_FOUND');
      const unchanged = ok(await on.alerts.get(owner.accessToken, { id })).alert;
      expect(unchanged).toMatchObject({
        name: 'Queue too deep',
        metric: 'queue.depth',
        labels: [],
        comparison: 'GT',
        threshold: 100,
        recoveryThreshold: 80,
        window: 1,
        for: 1,
        noData: 'OK',
        mutedUntil: null,
      });
      expect(unchanged.updatedAt).toBe(alert.updatedAt);
      // Fields sent as null are left as they are, as fields left out are.
      const nulls = Object.fromEntries(
        [
          'name',
          'metric',
          'labels',
          'aggregate',
          'comparison',
          'threshold',
          'window',
          'for',
          'noData',
          'severity',
          'channels',
          'enabled',
        ].map((field) => [field, null]),
      );
      const same = ok(await on.alerts.update(owner.accessToken, unchecked({ id, ...nulls }))).updateAlert;
      // What the evaluations change aside, the rule is the same.
      const config = (alert: Alert): Partial<Alert> => ({
        ...alert,
        lastValue: undefined,
        lastEvaluatedAt: undefined,
        evaluations: undefined,
        updatedAt: undefined,
      });
      expect(config(same)).toEqual(config(unchanged));

      // Changing both together, or going back to the default recovery threshold, is fine.
      const changed = ok(
        await on.alerts.update(owner.accessToken, {
          id,
          name: '  Few workers ',
          comparison: 'LT',
          threshold: 2,
          recoveryThreshold: 3,
          labels: [
            { key: 'zone', value: 'b' },
            { key: 'pool', value: 'a' },
          ],
          window: 120,
          for: 0,
          aggregate: 'P95',
          noData: 'KEEP_STATE',
          severity: 'INFO',
          channels: ['WEBHOOK', 'WEBHOOK'],
        }),
      ).updateAlert;
      expect(changed).toMatchObject({
        name: 'Few workers',
        comparison: 'LT',
        threshold: 2,
        recoveryThreshold: 3,
        labels: [
          { key: 'pool', value: 'a' },
          { key: 'zone', value: 'b' },
        ],
        window: 120,
        for: 0,
        aggregate: 'P95',
        noData: 'KEEP_STATE',
        severity: 'INFO',
        channels: ['WEBHOOK'],
        state: 'OK',
      });
      expect(
        ok(await on.alerts.update(owner.accessToken, { id, recoveryThreshold: null })).updateAlert.recoveryThreshold,
      ).toBeNull();
      ok(await on.alerts.delete(owner.accessToken, { id }));
      expect(codeOf(await on.alerts.get(owner.accessToken, { id }))).toBe('NOT_FOUND');
    }, 60_000);

    it('lists no history entry past its retention, although the database keeps it until its TTL removes it', async () => {
      const events = api.app.get<Model<AlertEventRecord>>(getModelToken(AlertEventRecord.name));
      const alertId = new Types.ObjectId();
      const entry = (at: Date, expiresAt: Date) => ({
        alertId,
        projectId: new Types.ObjectId(project.id),
        name: 'Old',
        metric: 'old',
        from: AlertState.OK,
        to: AlertState.FIRING,
        value: 1,
        threshold: 0,
        severity: AlertSeverity.INFO,
        at,
        muted: false,
        actorId: null,
        expiresAt,
      });
      const now = Date.now();
      const expired = await events.create(entry(new Date(now - 91 * 86_400_000), new Date(now - 86_400_000)));
      const kept = await events.create(entry(new Date(now - 60_000), new Date(now + 86_400_000)));
      const listed = ok(
        await on.alerts.events(owner.accessToken, { projectId: project.id, alertId: alertId.toHexString() }),
      ).alertEvents;
      expect(listed.edges.map((e) => e.node.id)).toEqual([kept._id.toHexString()]);
      expect(await events.exists({ _id: expired._id }).exec()).toBeTruthy();
    });

    it('bounds the rules of a project', async () => {
      const other = await createProject(api.url, owner.accessToken);
      for (let i = 0; i < 6; i++)
        await create(owner.accessToken, rule(other.id, { name: `Rule ${i}`, enabled: false }));
      const refused = await on.alerts.create(owner.accessToken, rule(other.id, { name: 'One too many' }));
      expect([codeOf(refused), reasonOf(refused)]).toEqual(['FORBIDDEN', 'ALERT_LIMIT_REACHED']);
      const listed = ok(await on.alerts.list(owner.accessToken, { projectId: other.id })).alerts;
      expect(listed.map((a) => a.name)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `Rule ${i}`));
      // The first rule of another project is not held to this one's count.
      await create(owner.accessToken, rule(project.id, { name: 'Elsewhere', enabled: false }));
    });

    it('checks permissions, audits every change, and forgets the rules of a deleted project', async () => {
      const [viewer, developer, outsider] = await Promise.all([1, 2, 3].map(() => registerUser(api.url)));
      await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer!.id, roleId: 'viewer' });
      await assignRole(api.url, owner.accessToken, {
        projectId: project.id,
        userId: developer!.id,
        roleId: 'developer',
      });
      const input = rule(project.id, { name: 'Permissions', enabled: false });
      expect(codeOf(await on.alerts.create(viewer!.accessToken, input))).toBe('FORBIDDEN');
      expect(codeOf(await on.alerts.create(outsider!.accessToken, input))).toBe('FORBIDDEN');
      expect(codeOf(await on.alerts.create(undefined, input))).toBe('UNAUTHENTICATED');
      const made = await create(developer!.accessToken, input);
      const id = made.id;
      expect(
        ok(await on.alerts.list(viewer!.accessToken, { projectId: project.id })).alerts.map((a) => a.id),
      ).toContain(id);
      expect(ok(await on.alerts.get(viewer!.accessToken, { id })).alert.name).toBe('Permissions');
      ok(await on.alerts.events(viewer!.accessToken, { projectId: project.id, alertId: id }));
      for (const denied of [
        on.alerts.list(outsider!.accessToken, { projectId: project.id }),
        on.alerts.get(outsider!.accessToken, { id }),
        on.alerts.events(outsider!.accessToken, { projectId: project.id }),
        on.alerts.update(viewer!.accessToken, { id, name: 'Mine' }),
        on.alerts.mute(viewer!.accessToken, { id, until: new Date(Date.now() + 60_000).toISOString() }),
        on.alerts.unmute(viewer!.accessToken, { id }),
        on.alerts.resolve(viewer!.accessToken, { id }),
        on.alerts.delete(developer!.accessToken, { id }),
      ]) {
        expect(codeOf(await denied)).toBe('FORBIDDEN');
      }
      ok(await on.alerts.update(developer!.accessToken, { id, name: 'Renamed' }));
      ok(await on.alerts.mute(developer!.accessToken, { id, until: new Date(Date.now() + 60_000).toISOString() }));
      ok(await on.alerts.unmute(developer!.accessToken, { id }));

      // Streams are read with alert:read, as the queries are.
      const client = modernClient(api.wsUrl, outsider!.accessToken);
      const refused = subscribeAlertEvents(client, { projectId: project.id });
      try {
        const errors = (await refused.error(10_000)) as { extensions?: { code?: string } }[];
        expect(errors[0]?.extensions?.code).toBe('FORBIDDEN');
      } finally {
        refused.close();
        await client.dispose();
      }

      ok(await on.alerts.delete(owner.accessToken, { id }));
      const audit = ok(await on.audit.logs(owner.accessToken, { projectId: project.id, first: 100 })).auditLogs;
      const seen = audit.edges.map((e) => `${e.node.operation}:${e.node.outcome}`);
      for (const expected of [
        'mutation.createAlert:GRANTED',
        'mutation.createAlert:DENIED',
        'mutation.updateAlert:GRANTED',
        'mutation.updateAlert:DENIED',
        'mutation.muteAlert:GRANTED',
        'mutation.unmuteAlert:GRANTED',
        'mutation.resolveAlert:DENIED',
        'mutation.deleteAlert:DENIED',
        'mutation.deleteAlert:GRANTED',
      ]) {
        expect(seen).toContain(expected);
      }

      const doomed = await createProject(api.url, owner.accessToken);
      const gone = await create(owner.accessToken, rule(doomed.id, { name: 'Doomed', enabled: false }));
      ok(await on.projects.delete(owner.accessToken, { id: doomed.id }));
      const alerts = api.app.get<Model<AlertRecord>>(getModelToken(AlertRecord.name));
      await waitFor(async () => (await alerts.countDocuments({ _id: gone.id }).exec()) === 0, 10_000, 'the rule to go');
    });
  });
});

describe('alert evaluation on several workers', () => {
  const INTERVAL = 400;
  let api: TestApp;
  const workers: ChildApi[] = [];
  let duplicates: Bull.Queue | undefined;

  beforeAll(async () => {
    // An API process that evaluates nothing, and two worker processes that both evaluate.
    api = await startTestApp(
      { PROCESS_ROLE: 'api', ALERT_EVALUATION_INTERVAL_MS: String(INTERVAL) },
      { label: 'workers' },
    );
    const env = testEnv({ PROCESS_ROLE: 'worker', ALERT_EVALUATION_INTERVAL_MS: String(INTERVAL) }, 'workers');
    workers.push(...(await Promise.all([startChildApi(env), startChildApi(env)])));
  });

  afterAll(async () => {
    await duplicates?.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    await api?.close();
  });

  it('evaluates each rule once per tick, on both workers, whatever duplicate jobs run', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const alerts = api.app.get<Model<AlertRecord>>(getModelToken(AlertRecord.name));
    // Each rule's metric climbs by 1 every 100 ms for a minute: the MAX over its last second tells
    // when an evaluation read it, and grows from one evaluation to the next.
    const start = Date.now();
    for (let i = 0; i < 5; i++) {
      const points = Array.from({ length: 600 }, (_, k) => ({
        name: `busy.${i}`,
        value: k,
        at: new Date(start + k * 100),
      }));
      await api.app.get(MetricsRecorderService).record(project.id, points, 'user');
    }
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const input: CreateAlertInput = {
        projectId: project.id,
        name: `Rule ${i}`,
        metric: `busy.${i}`,
        aggregate: 'MAX',
        comparison: 'GT',
        threshold: 1_000_000,
        window: 1,
        for: 0,
        severity: 'INFO',
        channels: [],
      };
      ids.push(ok(await on.alerts.create(owner.accessToken, input)).createAlert.id);
    }
    const workerIds = workers.map((worker) => `${hostname()}:${worker.process.pid}`);
    // Jobs beside the schedule's, as retries and a second schedule would add: they must evaluate nothing twice.
    duplicates = new Bull(ALERTS_QUEUE, api.config.REDIS_URL, { prefix: `${api.config.REDIS_PREFIX}:bull` });
    const queue = duplicates;
    let adding = true;
    const adder = (async () => {
      while (adding) {
        await queue.add(AlertJob.EVALUATE, { requestedAt: new Date().toISOString() }, { removeOnComplete: true });
        await new Promise((resolve) => setTimeout(resolve, INTERVAL / 4));
      }
    })();

    // Every evaluation each rule recorded (its last 20 are kept; sampled far more often than that).
    const recorded = new Map<string, Map<string, AlertEvaluation>>(ids.map((id) => [id, new Map()]));
    const samples: { id: string; lastTick: number; evaluations: number }[][] = [];
    const everyone = (): AlertEvaluation[] => [...recorded.values()].flatMap((byKey) => [...byKey.values()]);
    try {
      await waitFor(
        async () => {
          const rows = await alerts.find({ projectId: project.id }).lean<AlertRecord[]>().exec();
          samples.push(
            rows.map((r) => ({ id: r._id.toHexString(), lastTick: r.lastTick, evaluations: r.evaluations })),
          );
          for (const row of rows) {
            for (const e of row.recentEvaluations) {
              recorded.get(row._id.toHexString())!.set(`${e.tick}/${e.at.getTime()}/${e.by}`, e);
            }
          }
          const by = new Set(everyone().map((e) => e.by));
          const enough = [...recorded.values()].every((byKey) => byKey.size >= 12);
          return Date.now() - start >= 8_000 && enough && workerIds.every((id) => by.has(id)) ? true : undefined;
        },
        40_000,
        'a dozen evaluations of every rule, by both workers',
      );
    } finally {
      adding = false;
      await adder;
    }

    // Both workers evaluated, and nothing else did.
    const by = new Set(everyone().map((e) => e.by));
    expect([...by].sort()).toEqual([...workerIds].sort());
    const final = await alerts.find({ projectId: project.id }).lean<AlertRecord[]>().exec();
    expect(final.map((record) => record._id.toHexString()).sort()).toEqual([...ids].sort());
    for (const record of final) {
      const id = record._id.toHexString();
      const evaluations = [...recorded.get(id)!.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
      // Never two evaluations in one tick, and none before the tick it was claimed for.
      const ticks = evaluations.map((e) => e.tick);
      expect(new Set(ticks).size).toBe(ticks.length);
      for (const e of evaluations) expect(e.at.getTime()).toBeGreaterThanOrEqual(e.tick * INTERVAL);
      // Evaluations really read the metric: what they saw grows with the time they read it.
      const values = evaluations.map((e) => e.value);
      for (const value of values) expect(value).not.toBeNull();
      for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
      expect(values[values.length - 1]!).toBeGreaterThan(values[0]! + 20);
      for (const e of evaluations) {
        // MAX over [at - 1 s, at): the point of 100 ms or so before `at`, never one after it.
        expect(e.value!).toBeLessThanOrEqual((e.at.getTime() - start) / 100);
        expect(e.value!).toBeGreaterThanOrEqual((e.at.getTime() - start) / 100 - 10);
      }
      // The rule shows the last of them.
      const last = record.recentEvaluations[record.recentEvaluations.length - 1]!;
      expect(record.lastEvaluatedAt).toEqual(last.at);
      expect(record.lastValue).toBe(last.value);
      expect(record.lastEvaluatedAt!.getTime()).toBeGreaterThan(evaluations[0]!.at.getTime());

      // Claims: never more than ticks, and ticks were not left out wholesale.
      const firstTick = Math.floor(record.createdAt.getTime() / INTERVAL);
      const claimable = record.lastTick - firstTick + 1;
      expect(record.evaluations).toBeLessThanOrEqual(claimable);
      expect(record.evaluations).toBeGreaterThanOrEqual(Math.floor(claimable / 2));
      const series = samples.map((rows) => rows.find((row) => row.id === id)).filter((row) => row !== undefined);
      for (let i = 1; i < series.length; i++) {
        const grew = series[i]!.evaluations - series[i - 1]!.evaluations;
        expect(grew).toBeLessThanOrEqual(Math.max(0, series[i]!.lastTick - series[i - 1]!.lastTick));
      }
    }
  }, 90_000);
});
