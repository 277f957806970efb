import { compileMailTemplate } from '../mail/mail-template';

export interface AlertMailData {
  /** `firing` or `resolved`. */
  status: string;
  severity: string;
  alertName: string;
  projectName: string;
  /** The condition as people read it: `AVG of api.latency over 300 s > 250`. */
  condition: string;
  value: string;
  at: string;
  /** Set when someone resolved the rule by hand. */
  resolvedBy: string | null;
}

/** The mail of an alert that fired or resolved. */
export const renderAlertMail = compileMailTemplate<AlertMailData>({
  subject: '[{{severity}}] {{alertName}} is {{status}} in {{projectName}}',
  text: `The alert {{alertName}} of the project {{projectName}} is {{status}}.

Condition: {{condition}}
Value: {{value}}
At: {{at}}
{{#if resolvedBy}}Resolved by hand by {{resolvedBy}}.
{{/if}}
You receive this because the project's notification preferences send alert events to you.
`,
  html: `<p>The alert <strong>{{alertName}}</strong> of the project <strong>{{projectName}}</strong> is
<strong>{{status}}</strong>.</p>
<table>
<tr><td>Severity</td><td>{{severity}}</td></tr>
<tr><td>Condition</td><td><code>{{condition}}</code></td></tr>
<tr><td>Value</td><td>{{value}}</td></tr>
<tr><td>At</td><td>{{at}}</td></tr>
</table>
{{#if resolvedBy}}<p>Resolved by hand by {{resolvedBy}}.</p>
{{/if}}<p>You receive this because the project's notification preferences send alert events to you.</p>
`,
});
