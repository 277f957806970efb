import { Types } from 'mongoose';
import { MetricAggregate } from '../analytics/models/metric-aggregate.enum';
import { AlertOutboxService } from './alert-outbox.service';
import { AlertComparison, AlertNoData, AlertState } from './alert-state';
import { AlertSeverity, type AlertRecord } from './alert.schema';

const at = new Date('2030-01-01T00:00:00Z');
/** The fields a change is made from; the rest of a rule does not matter here. */
const rule = (mutedUntil: Date | null): AlertRecord =>
  ({
    _id: new Types.ObjectId(),
    projectId: new Types.ObjectId(),
    name: 'Queue too deep',
    metric: 'queue.depth',
    labels: [],
    aggregate: MetricAggregate.MAX,
    comparison: AlertComparison.GT,
    threshold: 100,
    recoveryThreshold: null,
    windowSeconds: 60,
    forSeconds: 0,
    noData: AlertNoData.OK,
    severity: AlertSeverity.CRITICAL,
    mutedUntil,
  }) as Partial<AlertRecord> as AlertRecord;

describe('AlertOutboxService.push', () => {
  it('carries what the history entry says of the change and of the rule at the change', () => {
    const { outbox } = AlertOutboxService.push(
      rule(null),
      { from: AlertState.OK, to: AlertState.FIRING },
      150,
      at,
      null,
    );

    expect(outbox.$slice).toBeLessThan(0);
    expect(outbox.$each).toHaveLength(1);
    const [change] = outbox.$each;
    expect(change!._id).toBeInstanceOf(Types.ObjectId);
    expect(change).toMatchObject({
      from: AlertState.OK,
      to: AlertState.FIRING,
      value: 150,
      at,
      actorId: null,
      muted: false,
      name: 'Queue too deep',
      metric: 'queue.depth',
      threshold: 100,
      severity: AlertSeverity.CRITICAL,
    });
  });

  it('flags a change muted only while the mute lasts at the change', () => {
    const transition = { from: AlertState.FIRING, to: AlertState.RESOLVED };
    const mutedAt = (until: Date | null): boolean =>
      AlertOutboxService.push(rule(until), transition, null, at, 'user-1').outbox.$each[0]!.muted;

    expect(mutedAt(new Date(at.getTime() + 1))).toBe(true);
    expect(mutedAt(at)).toBe(false);
    expect(mutedAt(new Date(at.getTime() - 1))).toBe(false);
    expect(mutedAt(null)).toBe(false);
  });

  it('gives every change its own id, the id of its history entry', () => {
    const transition = { from: AlertState.OK, to: AlertState.PENDING };
    const ids = Array.from({ length: 5 }, () =>
      AlertOutboxService.push(rule(null), transition, 1, at, null).outbox.$each[0]!._id.toHexString(),
    );
    expect(new Set(ids).size).toBe(5);
  });
});
