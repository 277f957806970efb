import { renderAlertMail } from './alert-mail';
import { describeCondition } from './alert-notifier.service';
import { AlertComparison } from './alert-state';
import { MetricAggregate } from '../analytics/models/metric-aggregate.enum';

describe('the alert mail', () => {
  const data = {
    status: 'firing',
    severity: 'CRITICAL',
    alertName: 'Queue <deep>',
    projectName: 'Shop',
    condition: 'MAX of queue.depth over 60 s > 100',
    value: '150',
    at: '2030-01-01T00:00:00.000Z',
    resolvedBy: null,
  };

  it('says what fired, where, on what condition and value; escaping only the HTML body', () => {
    const mail = renderAlertMail(data);
    expect(mail.subject).toBe('[CRITICAL] Queue <deep> is firing in Shop');
    expect(mail.text).toContain(
      'Condition: MAX of queue.depth over 60 s > 100\nValue: 150\nAt: 2030-01-01T00:00:00.000Z',
    );
    expect(mail.text).not.toContain('Resolved by hand');
    expect(mail.html).toContain('Queue &lt;deep&gt;');
    expect(mail.html).toContain('MAX of queue.depth over 60 s &gt; 100');
  });

  it('names who resolved an alert by hand', () => {
    const mail = renderAlertMail({ ...data, status: 'resolved', resolvedBy: 'Ann <Ops>' });
    expect(mail.subject).toBe('[CRITICAL] Queue <deep> is resolved in Shop');
    expect(mail.text).toContain('Resolved by hand by Ann <Ops>.');
    expect(mail.html).toContain('Resolved by hand by Ann &lt;Ops&gt;.');
  });

  it('writes the condition with its labels and operator', () => {
    const rule = {
      aggregate: MetricAggregate.P95,
      metric: 'slipway.api.request',
      labels: [
        { key: 'operation', value: 'deploy' },
        { key: 'outcome', value: 'ok' },
      ],
      windowSeconds: 300,
      comparison: AlertComparison.GTE,
      threshold: 250,
    };
    expect(describeCondition(rule)).toBe('P95 of slipway.api.request{operation=deploy,outcome=ok} over 300 s >= 250');
    expect(describeCondition({ ...rule, labels: [], comparison: AlertComparison.LT })).toBe(
      'P95 of slipway.api.request over 300 s < 250',
    );
  });
});
