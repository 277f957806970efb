import { MetricAggregate } from '../analytics/models/metric-aggregate.enum';
import {
  AlertComparison,
  AlertNoData,
  AlertState,
  evaluateAlert,
  recoveryThresholdFits,
  statusChanged,
  windowValue,
  type AlertCondition,
  type AlertStatus,
  type AlertTransition,
} from './alert-state';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const OK: AlertStatus = { state: AlertState.OK, stateSince: at(0), recoveringSince: null };

const rule = (overrides: Partial<AlertCondition> = {}): AlertCondition => ({
  comparison: AlertComparison.GT,
  threshold: 100,
  recoveryThreshold: null,
  forMs: 10_000,
  noData: AlertNoData.OK,
  ...overrides,
});

/** Runs evaluations one second apart from `start`, returning every transition and the final status. */
function run(
  condition: AlertCondition,
  values: (number | null)[],
  start: AlertStatus = OK,
): { status: AlertStatus; transitions: (AlertTransition & { at: number })[] } {
  let status = start;
  const transitions: (AlertTransition & { at: number })[] = [];
  values.forEach((value, i) => {
    const step = evaluateAlert(condition, status, value, at(i + 1));
    if (step.transition) transitions.push({ ...step.transition, at: i + 1 });
    status = step.status;
  });
  return { status, transitions };
}

const states = (transitions: AlertTransition[]): string[] => transitions.map((t) => `${t.from}>${t.to}`);

describe('evaluateAlert', () => {
  it('goes PENDING on a breach and FIRING once the breach has held for the duration', () => {
    const { status, transitions } = run(rule(), Array<number>(12).fill(150));

    expect(transitions).toEqual([
      { from: 'OK', to: 'PENDING', at: 1 },
      { from: 'PENDING', to: 'FIRING', at: 11 },
    ]);
    expect(status).toEqual({ state: AlertState.FIRING, stateSince: at(11), recoveringSince: null });
  });

  it('goes back to OK when the breach stops before the duration', () => {
    const { status, transitions } = run(rule(), [150, 150, 150, 90, 90]);

    expect(states(transitions)).toEqual(['OK>PENDING', 'PENDING>OK']);
    expect(status).toEqual({ state: AlertState.OK, stateSince: at(4), recoveringSince: null });
  });

  it('fires at the first breach when the duration is 0', () => {
    const { transitions } = run(rule({ forMs: 0 }), [90, 101]);

    expect(transitions).toEqual([{ from: 'OK', to: 'FIRING', at: 2 }]);
  });

  it('resolves once the value has been safe for the duration, then behaves as OK', () => {
    const firing: AlertStatus = { state: AlertState.FIRING, stateSince: at(0), recoveringSince: null };
    const { transitions } = run(rule(), [...Array<number>(11).fill(50), 150, 150], firing);

    // Safe from the evaluation at 1 s; held for 10 s at 11 s. A breach afterwards starts over.
    expect(transitions).toEqual([
      { from: 'FIRING', to: 'RESOLVED', at: 11 },
      { from: 'RESOLVED', to: 'PENDING', at: 12 },
    ]);
  });

  it('needs two safe evaluations in a row to resolve when the duration is 0', () => {
    const firing: AlertStatus = { state: AlertState.FIRING, stateSince: at(0), recoveringSince: null };

    expect(run(rule({ forMs: 0 }), [50], firing).transitions).toEqual([]);
    expect(run(rule({ forMs: 0 }), [50, 50], firing).transitions).toEqual([{ from: 'FIRING', to: 'RESOLVED', at: 2 }]);
  });

  it('fires once and never resolves while a value crosses the threshold at every evaluation', () => {
    const oscillating = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 101 : 99));

    for (const forMs of [0, 3_000]) {
      const { transitions, status } = run(rule({ forMs }), oscillating);
      expect(transitions.filter((t) => t.to === AlertState.FIRING).length).toBeLessThanOrEqual(1);
      expect(transitions.filter((t) => t.to === AlertState.RESOLVED)).toEqual([]);
      if (forMs === 0) expect(status.state).toBe(AlertState.FIRING);
    }
  });

  it('keeps firing while the value stays between the recovery threshold and the threshold', () => {
    const condition = rule({ recoveryThreshold: 80, forMs: 2_000 });
    // Breaching, then hovering just under the threshold for a long while, then really recovered.
    const values = [...Array<number>(3).fill(120), ...Array<number>(30).fill(95), ...Array<number>(4).fill(70)];
    const { transitions } = run(condition, values);

    expect(states(transitions)).toEqual(['OK>PENDING', 'PENDING>FIRING', 'FIRING>RESOLVED']);
    expect(transitions[2]!.at).toBe(36);
  });

  it('starts the recovery over when the value leaves the safe side', () => {
    const firing: AlertStatus = { state: AlertState.FIRING, stateSince: at(0), recoveringSince: null };
    const { status, transitions } = run(rule({ forMs: 3_000 }), [50, 50, 50, 150, 50, 50], firing);

    expect(transitions).toEqual([]);
    expect(status).toEqual({ state: AlertState.FIRING, stateSince: at(0), recoveringSince: at(5) });
  });

  it('counts no data as not breaching, and as recovered', () => {
    expect(run(rule({ forMs: 0 }), [null, null]).transitions).toEqual([]);
    const { transitions } = run(rule({ forMs: 0 }), [150, null, null]);
    expect(states(transitions)).toEqual(['OK>FIRING', 'FIRING>RESOLVED']);
    expect(states(run(rule(), [150, null]).transitions)).toEqual(['OK>PENDING', 'PENDING>OK']);
  });

  describe('with no data', () => {
    const firing: AlertStatus = { state: AlertState.FIRING, stateSince: at(0), recoveringSince: null };

    it('counts it as breaching with ALERTING: a metric that stops reporting fires after `for`', () => {
      const alerting = rule({ noData: AlertNoData.ALERTING, forMs: 3_000 });
      const { status, transitions } = run(alerting, [50, 50, null, null, null, null, null]);

      expect(transitions).toEqual([
        { from: 'OK', to: 'PENDING', at: 3 },
        { from: 'PENDING', to: 'FIRING', at: 6 },
      ]);
      expect(status.state).toBe(AlertState.FIRING);
      expect(states(run(rule({ noData: AlertNoData.ALERTING, forMs: 0 }), [null]).transitions)).toEqual(['OK>FIRING']);
    });

    it('keeps a firing rule firing with ALERTING, the recovery starting over, and resolves once data is safe', () => {
      const alerting = rule({ noData: AlertNoData.ALERTING, forMs: 2_000 });
      const { status, transitions } = run(alerting, [50, null, 50, 50, null, null, null], firing);

      expect(transitions).toEqual([]);
      expect(status).toEqual(firing);
      expect(run(alerting, [null, 50, 50, 50], firing).transitions).toEqual([
        { from: 'FIRING', to: 'RESOLVED', at: 4 },
      ]);
    });

    it('a pending breach goes on through no data with ALERTING', () => {
      const alerting = rule({ noData: AlertNoData.ALERTING, forMs: 3_000 });

      expect(states(run(alerting, [150, null, null, 150]).transitions)).toEqual(['OK>PENDING', 'PENDING>FIRING']);
    });

    it('changes nothing with KEEP_STATE: state and times stay as they were', () => {
      const keep = rule({ noData: AlertNoData.KEEP_STATE, forMs: 3_000 });
      const pending: AlertStatus = { state: AlertState.PENDING, stateSince: at(0), recoveringSince: null };
      const recovering: AlertStatus = { ...firing, recoveringSince: at(0) };

      for (const start of [OK, pending, firing, recovering]) {
        const { status, transitions } = run(keep, Array<null>(10).fill(null), start);
        expect(transitions).toEqual([]);
        expect(status).toEqual(start);
      }
      // Data back: it goes on from where it was.
      expect(states(run(keep, [150, null, null, null, 150]).transitions)).toEqual(['OK>PENDING', 'PENDING>FIRING']);
      expect(states(run(keep, [50, null, null, null, 50], firing).transitions)).toEqual(['FIRING>RESOLVED']);
      expect(run(keep, [null, null], firing).transitions).toEqual([]);
    });

    it('counts it as not breaching and recovered by default (OK), whatever the comparison', () => {
      for (const comparison of [AlertComparison.GT, AlertComparison.LT]) {
        expect(run(rule({ comparison, forMs: 0 }), [null, null]).transitions).toEqual([]);
        expect(states(run(rule({ comparison, forMs: 0 }), [null, null], firing).transitions)).toEqual([
          'FIRING>RESOLVED',
        ]);
      }
    });
  });

  it('compares each way, the threshold itself breaching only GTE and LTE', () => {
    const fires = (comparison: AlertComparison, value: number): boolean =>
      run(rule({ comparison, forMs: 0 }), [value]).status.state === AlertState.FIRING;

    expect([99, 100, 101].map((v) => fires(AlertComparison.GT, v))).toEqual([false, false, true]);
    expect([99, 100, 101].map((v) => fires(AlertComparison.GTE, v))).toEqual([false, true, true]);
    expect([99, 100, 101].map((v) => fires(AlertComparison.LT, v))).toEqual([true, false, false]);
    expect([99, 100, 101].map((v) => fires(AlertComparison.LTE, v))).toEqual([true, true, false]);
  });

  it('recovers below the threshold for LT rules only past the recovery threshold', () => {
    const condition = rule({ comparison: AlertComparison.LT, threshold: 10, recoveryThreshold: 20, forMs: 0 });
    const { transitions } = run(condition, [5, 15, 15, 15, 25, 25]);

    expect(transitions).toEqual([
      { from: 'OK', to: 'FIRING', at: 1 },
      { from: 'FIRING', to: 'RESOLVED', at: 6 },
    ]);
  });
});

describe('recoveryThresholdFits', () => {
  it('keeps the recovery threshold on the safe side of the threshold', () => {
    expect(recoveryThresholdFits(AlertComparison.GT, 100, 80)).toBe(true);
    expect(recoveryThresholdFits(AlertComparison.GTE, 100, 100)).toBe(true);
    expect(recoveryThresholdFits(AlertComparison.GT, 100, 120)).toBe(false);
    expect(recoveryThresholdFits(AlertComparison.LT, 10, 20)).toBe(true);
    expect(recoveryThresholdFits(AlertComparison.LTE, 10, 5)).toBe(false);
  });
});

describe('statusChanged', () => {
  it('sees a change of state or of either time', () => {
    expect(statusChanged(OK, { ...OK })).toBe(false);
    expect(statusChanged(OK, { ...OK, recoveringSince: at(1) })).toBe(true);
    expect(statusChanged(OK, { ...OK, stateSince: at(1) })).toBe(true);
    expect(statusChanged(OK, { ...OK, state: AlertState.PENDING })).toBe(true);
  });
});

describe('windowValue', () => {
  it('makes COUNT and SUM of no point 0, whether the query answers null or 0', () => {
    for (const aggregate of [MetricAggregate.COUNT, MetricAggregate.SUM]) {
      expect(windowValue(aggregate, null)).toBe(0);
      expect(windowValue(aggregate, 0)).toBe(0);
      expect(windowValue(aggregate, 7)).toBe(7);
    }
  });

  it('leaves the other aggregates of no point as no data', () => {
    for (const aggregate of Object.values(MetricAggregate).filter(
      (a) => a !== MetricAggregate.COUNT && a !== MetricAggregate.SUM,
    )) {
      expect(windowValue(aggregate, null)).toBeNull();
      expect(windowValue(aggregate, 0)).toBe(0);
      expect(windowValue(aggregate, -2.5)).toBe(-2.5);
    }
  });

  it('lets a COUNT < 1 rule fire on a window with no point, as the rule sees it', () => {
    const absent = rule({ comparison: AlertComparison.LT, threshold: 1, forMs: 0 });

    expect(evaluateAlert(absent, OK, windowValue(MetricAggregate.COUNT, null), at(1)).status.state).toBe(
      AlertState.FIRING,
    );
  });
});
