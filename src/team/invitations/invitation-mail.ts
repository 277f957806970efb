import { compileMailTemplate } from '../../mail/mail-template';

export interface InvitationMailData {
  inviterName: string;
  projectName: string;
  roleName: string;
  link: string;
  expiresAt: string;
}

/** The invitation email. Its link carries the token: it is the one place the token goes. */
export const renderInvitationMail = compileMailTemplate<InvitationMailData>({
  subject: '{{inviterName}} invited you to {{projectName}} on Slipway',
  text: `{{inviterName}} invited you to join the project {{projectName}} on Slipway as {{roleName}}.

Accept the invitation (or decline it) here:
{{link}}

The link works once and until {{expiresAt}}. If you did not expect this invitation, ignore this email.
`,
  html: `<p>{{inviterName}} invited you to join the project <strong>{{projectName}}</strong> on Slipway as
<strong>{{roleName}}</strong>.</p>
<p><a href="{{link}}">Accept the invitation</a> (or decline it).</p>
<p>The link works once and until {{expiresAt}}. If you did not expect this invitation, ignore this email.</p>
`,
});
