import { getQueueToken } from '@nestjs/bull';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import { simpleParser, type ParsedMail } from 'mailparser';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import type { DomainEvent } from '../src/common/events/domain-event';
import { MAIL_QUEUE } from '../src/mail/jobs/mail-jobs';
import { MailService } from '../src/mail/mail.service';
import { assignRole, createProject, createRole, registerUser, type TestUser } from './support/factories';
import { codeOf, ok, reasonOf, waitFor, type GraphQLResponse } from './support/graphql-client';
import { operations, unchecked, type Invitation, type Project } from './support/operations';
import { INVITATION_TOKEN_IN_LINK, SmtpCatcher } from './support/smtp-catcher';
import { startTestApp, type TestApp } from './support/test-app';

const LINK_BASE = 'https://app.example.test/invitations/accept?token=';
const PER_PROJECT = 6;
const PER_INVITER = 10;

describe('invitations', () => {
  const smtp = new SmtpCatcher();
  let api: TestApp;
  let on: ReturnType<typeof operations>;
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    await smtp.start();
    api = await startTestApp({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Slipway Test <invites@slipway.test>',
      MAIL_RETRY_ATTEMPTS: '40',
      MAIL_RETRY_BASE_MS: '200',
      MAIL_SMTP_TIMEOUT_MS: '5000',
      INVITATION_LINK_BASE: LINK_BASE,
      INVITATIONS_PER_HOUR_PER_PROJECT: String(PER_PROJECT),
      INVITATIONS_PER_HOUR_PER_INVITER: String(PER_INVITER),
      INVITATION_SWEEP_INTERVAL_MS: '300',
      INVITATION_RETENTION_DAYS: '30',
    });
    on = operations(api.url);
    const emitter = api.app.get(EventEmitter2);
    emitter.onAny((_name: string | string[], event: unknown) => {
      if (event && typeof event === 'object' && 'name' in event) events.push(event as DomainEvent);
    });
  });

  afterAll(async () => {
    await api?.close();
    await smtp.stop();
  });

  const db = (): Connection => api.app.get<Connection>(getConnectionToken());
  const unique = (label: string): string => `${label}-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;

  /** An owner and a project of their own, so that each test's rate limits are its own. */
  const team = async (): Promise<{ owner: TestUser; project: Project }> => {
    const owner = await registerUser(api.url, { name: 'Olive Owner' });
    return { owner, project: await createProject(api.url, owner.accessToken, 'Team project') };
  };

  /** The HTML body with the entities handlebars writes in attributes read back, as a browser does. */
  const htmlOf = (mail: ParsedMail): string =>
    (typeof mail.html === 'string' ? mail.html : '').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

  /** The token of the link in a received invitation email, read from the email only. */
  const tokenOf = (mail: ParsedMail): string => {
    const fromText = INVITATION_TOKEN_IN_LINK.exec(mail.text ?? '')?.[1];
    const fromHtml = INVITATION_TOKEN_IN_LINK.exec(htmlOf(mail))?.[1];
    expect(fromText).toBeDefined();
    expect(fromHtml).toBe(fromText);
    return fromText!;
  };

  /** Waits for the `nth` (1-based) email to `email` and returns its link token. */
  const nthToken = async (email: string, nth: number): Promise<string> => {
    await waitFor(async () => smtp.messagesTo(email).length >= nth, 20_000, `email ${nth} to ${email}`);
    return tokenOf(smtp.messagesTo(email)[nth - 1]!);
  };

  const invite = async (
    token: string,
    projectId: string,
    email: string,
    roleId = 'developer',
  ): Promise<{ invitation: Invitation; link: string }> => {
    const sentBefore = smtp.messagesTo(email).length;
    const invitation = ok(await on.invitations.invite(token, { projectId, email, roleId })).inviteMember;
    return { invitation, link: await nthToken(email, sentBefore + 1) };
  };

  const expectRefused = (response: GraphQLResponse<unknown>, code: string, reason?: string): void => {
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(codeOf(response)).toBe(code);
    if (reason) expect(reasonOf(response)).toBe(reason);
  };

  const pendingOf = async (token: string, projectId: string): Promise<Invitation[]> =>
    ok(await on.invitations.pending(token, { projectId, first: 100 })).pendingInvitations.edges.map((e) => e.node);

  it('invites by email: the link in the email makes the invited user a member with the role, and works once', async () => {
    const { owner, project } = await team();
    const dev = await registerUser(api.url, { email: unique('dev') });
    expectRefused(await on.projects.get(dev.accessToken, { id: project.id }), 'FORBIDDEN');

    const invitation = ok(
      await on.invitations.invite(owner.accessToken, { projectId: project.id, email: dev.email, roleId: 'developer' }),
    ).inviteMember;
    expect(invitation).toMatchObject({
      projectId: project.id,
      email: dev.email,
      roleId: 'developer',
      status: 'PENDING',
      invitedBy: owner.id,
      acceptedBy: null,
    });
    const ttl = new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime();
    expect(Math.round(ttl / 3_600_000)).toBe(168);
    expect(JSON.stringify(invitation)).not.toContain('slwi_');

    const mail = await smtp.waitForMail(dev.email);
    expect(mail.from?.text).toBe('"Slipway Test" <invites@slipway.test>');
    expect(mail.subject).toBe('Olive Owner invited you to Team project on Slipway');
    expect(mail.text).toContain('as Developer');
    const link = tokenOf(mail);
    expect(mail.text).toContain(`${LINK_BASE}${link}`);
    expect(htmlOf(mail)).toContain(`href="${LINK_BASE}${link}"`);
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'member.invited', projectId: project.id, invitationId: invitation.id }),
    );
    expect(JSON.stringify(events.filter((e) => e.projectId === project.id))).not.toContain(link);
    expect((await pendingOf(owner.accessToken, project.id)).map((i) => i.id)).toEqual([invitation.id]);

    const accepted = ok(await on.invitations.accept(dev.accessToken, { token: link })).acceptInvitation;
    expect(accepted).toMatchObject({ id: invitation.id, status: 'ACCEPTED', acceptedBy: dev.id });
    expect(accepted.endedAt).not.toBeNull();

    // The member appears with the role, granted in the inviter's name, and can do what it allows.
    const roles = ok(await on.access.userRoles(owner.accessToken, { projectId: project.id, userId: dev.id })).userRoles
      .edges;
    expect(roles.map((e) => [e.node.role.id, e.node.grantedBy])).toEqual([['developer', owner.id]]);
    expect(ok(await on.projects.get(dev.accessToken, { id: project.id })).project.id).toBe(project.id);
    expect(await pendingOf(dev.accessToken, project.id)).toEqual([]);
    // … and no more: a developer neither invites nor deletes the project.
    expectRefused(
      await on.invitations.invite(dev.accessToken, { projectId: project.id, email: unique('x'), roleId: 'viewer' }),
      'FORBIDDEN',
    );
    expectRefused(await on.projects.delete(dev.accessToken, { id: project.id }), 'FORBIDDEN');
    expect(events).toContainEqual(
      expect.objectContaining({
        name: 'member.joined',
        projectId: project.id,
        userId: dev.id,
        email: dev.email,
        roleId: 'developer',
        invitationId: invitation.id,
        invitedBy: owner.id,
      }),
    );

    // Used once, the link is spent.
    expectRefused(await on.invitations.accept(dev.accessToken, { token: link }), 'FORBIDDEN', 'INVITATION_USED');
    expectRefused(await on.invitations.decline(undefined, { token: link }), 'FORBIDDEN', 'INVITATION_USED');
  });

  it('makes a new account from the link, signed in, holding the role', async () => {
    const { owner, project } = await team();
    const email = unique('newcomer');
    const invitation = ok(
      await on.invitations.invite(owner.accessToken, {
        projectId: project.id,
        email: `  ${email.toUpperCase()} `,
        roleId: 'viewer',
      }),
    ).inviteMember;
    expect(invitation.email).toBe(email);
    const link = await nthToken(email, 1);
    expect(smtp.messagesTo(email)).toHaveLength(1);

    const session = ok(
      await on.invitations.acceptAsNewUser(undefined, {
        token: link,
        name: 'Nina Newcomer',
        password: 'a long password',
      }),
    ).acceptInvitationAsNewUser;
    expect(session.auth.user).toMatchObject({ email, name: 'Nina Newcomer' });
    expect(session.invitation).toMatchObject({
      id: invitation.id,
      status: 'ACCEPTED',
      acceptedBy: session.auth.user.id,
    });
    expect(ok(await on.auth.me(session.auth.accessToken)).me.email).toBe(email);
    expect(ok(await on.projects.get(session.auth.accessToken, { id: project.id })).project.id).toBe(project.id);
    const roles = ok(
      await on.access.userRoles(owner.accessToken, { projectId: project.id, userId: session.auth.user.id }),
    ).userRoles.edges;
    expect(roles.map((e) => e.node.role.id)).toEqual(['viewer']);
    // The account signs in with its password like any other.
    expect(ok(await on.auth.login({ email, password: 'a long password' })).login.user.id).toBe(session.auth.user.id);

    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Again', password: 'a long password' }),
      'FORBIDDEN',
      'INVITATION_USED',
    );
  });

  it('refuses to make a new account for an email that has one: its owner signs in and accepts', async () => {
    const { owner, project } = await team();
    const existing = await registerUser(api.url, { email: unique('existing') });
    const { invitation, link } = await invite(owner.accessToken, project.id, existing.email);
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Impostor', password: 'a long password' }),
      'CONFLICT',
      'ACCOUNT_EXISTS',
    );
    expect((await pendingOf(owner.accessToken, project.id)).map((i) => i.id)).toEqual([invitation.id]);
    expect(ok(await on.invitations.accept(existing.accessToken, { token: link })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
  });

  it('refuses the link to a signed-in user with another email, and it still works for the invited one', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('invited') });
    const other = await registerUser(api.url, { email: unique('other') });
    const { link } = await invite(owner.accessToken, project.id, invited.email);

    expectRefused(
      await on.invitations.accept(other.accessToken, { token: link }),
      'FORBIDDEN',
      'INVITATION_EMAIL_MISMATCH',
    );
    expectRefused(await on.projects.get(other.accessToken, { id: project.id }), 'FORBIDDEN');
    expect(ok(await on.invitations.accept(invited.accessToken, { token: link })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
  });

  it('refuses an expired link, marks the invitation EXPIRED and says so, and a resend brings it back', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('late') });
    const { invitation, link } = await invite(owner.accessToken, project.id, invited.email);
    // Time passes: the invitation's end is moved into the past.
    await db()
      .collection('invitations')
      .updateOne({ _id: new Types.ObjectId(invitation.id) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });

    expectRefused(await on.invitations.accept(invited.accessToken, { token: link }), 'FORBIDDEN', 'INVITATION_EXPIRED');
    expect(await pendingOf(owner.accessToken, project.id)).toEqual([]);
    await waitFor(
      async () => events.some((e) => e.name === 'invitation.expired' && e.projectId === project.id),
      20_000,
      'invitation.expired',
    );
    const stored = await db()
      .collection('invitations')
      .findOne({ _id: new Types.ObjectId(invitation.id) });
    expect(stored?.status).toBe('EXPIRED');
    expect(stored?.purgeAt.getTime()).toBe(stored?.endedAt.getTime() + 30 * 86_400_000);
    expect(events).toContainEqual(
      expect.objectContaining({ name: 'invitation.expired', invitationId: invitation.id, email: invited.email }),
    );
    expectRefused(await on.invitations.accept(invited.accessToken, { token: link }), 'FORBIDDEN', 'INVITATION_EXPIRED');

    const resent = ok(await on.invitations.resend(owner.accessToken, { id: invitation.id })).resendInvitation;
    expect(resent).toMatchObject({ id: invitation.id, status: 'PENDING', endedAt: null });
    expect(
      (await db()
        .collection('invitations')
        .findOne({ _id: new Types.ObjectId(invitation.id) }))!.purgeAt,
    ).toBeNull();
    const fresh = await nthToken(invited.email, 2);
    expect(fresh).not.toBe(link);
    expectRefused(
      await on.invitations.accept(invited.accessToken, { token: link }),
      'FORBIDDEN',
      'INVITATION_SUPERSEDED',
    );
    expect(ok(await on.invitations.accept(invited.accessToken, { token: fresh })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
  });

  it('a resend sends a new link and the old one stops working', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('resent') });
    const { invitation, link: first } = await invite(owner.accessToken, project.id, invited.email);

    const resent = ok(await on.invitations.resend(owner.accessToken, { id: invitation.id })).resendInvitation;
    expect(new Date(resent.lastSentAt).getTime()).toBeGreaterThanOrEqual(new Date(invitation.lastSentAt).getTime());
    const second = await nthToken(invited.email, 2);
    expect(second).not.toBe(first);

    expectRefused(
      await on.invitations.accept(invited.accessToken, { token: first }),
      'FORBIDDEN',
      'INVITATION_SUPERSEDED',
    );
    expectRefused(await on.invitations.decline(undefined, { token: first }), 'FORBIDDEN', 'INVITATION_SUPERSEDED');
    expect(ok(await on.invitations.accept(invited.accessToken, { token: second })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
    // Accepted, it cannot be sent again, and the old link still says why it does not work.
    expectRefused(
      await on.invitations.resend(owner.accessToken, { id: invitation.id }),
      'FORBIDDEN',
      'INVITATION_USED',
    );
    expectRefused(
      await on.invitations.accept(invited.accessToken, { token: first }),
      'FORBIDDEN',
      'INVITATION_SUPERSEDED',
    );
  });

  it('keeps the link sent before working when a resend’s email cannot be queued', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('kept') });
    const { invitation, link } = await invite(owner.accessToken, project.id, invited.email);
    const before = await db()
      .collection('invitations')
      .findOne({ _id: new Types.ObjectId(invitation.id) });
    // The queue MailService adds to (workers have one of their own), its Redis connection closed.
    const { queue } = api.app.get(MailService) as unknown as { queue: Queue };
    const ended = new Promise((resolve) => queue.client.once('end', resolve));
    queue.client.disconnect();
    await ended;
    try {
      const failed = await on.invitations.resend(owner.accessToken, { id: invitation.id });
      expect(failed.errors?.length).toBeGreaterThan(0);
    } finally {
      await queue.client.connect();
    }

    const after = await db()
      .collection('invitations')
      .findOne({ _id: new Types.ObjectId(invitation.id) });
    expect(after).toMatchObject({
      tokenHash: before!.tokenHash,
      previousTokenHashes: before!.previousTokenHashes,
      expiresAt: before!.expiresAt,
      lastSentAt: before!.lastSentAt,
      status: 'PENDING',
    });
    expect(ok(await on.invitations.accept(invited.accessToken, { token: link })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
    expect(smtp.messagesTo(invited.email)).toHaveLength(1);
  });

  it('refuses a revoked link and announces the revocation', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('revoked') });
    const { invitation, link } = await invite(owner.accessToken, project.id, invited.email);

    const revoked = ok(await on.invitations.revoke(owner.accessToken, { id: invitation.id })).revokeInvitation;
    expect(revoked).toMatchObject({ id: invitation.id, status: 'REVOKED' });
    expect(events).toContainEqual(
      expect.objectContaining({
        name: 'invitation.revoked',
        projectId: project.id,
        actorId: owner.id,
        invitationId: invitation.id,
      }),
    );
    expectRefused(await on.invitations.accept(invited.accessToken, { token: link }), 'FORBIDDEN', 'INVITATION_REVOKED');
    expectRefused(
      await on.invitations.revoke(owner.accessToken, { id: invitation.id }),
      'FORBIDDEN',
      'INVITATION_REVOKED',
    );
    expectRefused(
      await on.invitations.resend(owner.accessToken, { id: invitation.id }),
      'FORBIDDEN',
      'INVITATION_REVOKED',
    );
    expect(await pendingOf(owner.accessToken, project.id)).toEqual([]);
    expectRefused(await on.projects.get(invited.accessToken, { id: project.id }), 'FORBIDDEN');
  });

  it('lets the link holder decline without signing in; the link then refuses', async () => {
    const { owner, project } = await team();
    const email = unique('decliner');
    const { invitation, link } = await invite(owner.accessToken, project.id, email);
    const declined = ok(await on.invitations.decline(undefined, { token: link })).declineInvitation;
    expect(declined).toMatchObject({ id: invitation.id, status: 'DECLINED', acceptedBy: null });
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Late', password: 'a long password' }),
      'FORBIDDEN',
      'INVITATION_DECLINED',
    );
    // Declined, the email may be invited again.
    await invite(owner.accessToken, project.id, email);
  });

  it('accepts a link once under concurrent accepts', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('racer') });
    const { link } = await invite(owner.accessToken, project.id, invited.email);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => on.invitations.accept(invited.accessToken, { token: link })),
    );
    expect(answers.filter((a) => !a.errors).length).toBe(1);
    for (const refused of answers.filter((a) => a.errors)) {
      expect(codeOf(refused)).toMatch(/FORBIDDEN|CONFLICT/);
      expect(reasonOf(refused)).toMatch(/INVITATION_USED|ALREADY_MEMBER/);
    }
    const roles = ok(await on.access.userRoles(owner.accessToken, { projectId: project.id, userId: invited.id }))
      .userRoles.edges;
    expect(roles).toHaveLength(1);
    expect(events.filter((e) => e.name === 'member.joined' && e.projectId === project.id)).toHaveLength(1);
  });

  it('offers no role holding more than the inviter holds, then or when the link is used', async () => {
    const { owner, project } = await team();
    const admin = await registerUser(api.url, { email: unique('admin') });
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: admin.id, roleId: 'admin' });
    expectRefused(
      await on.invitations.invite(admin.accessToken, { projectId: project.id, email: unique('o'), roleId: 'owner' }),
      'FORBIDDEN',
      'PERMISSION_DENIED',
    );

    // A custom role that may invite, and holds little else, offers no built-in role holding more.
    const inviterRole = await createRole(api.url, owner.accessToken, project.id, {
      permissions: ['MEMBER_INVITE', 'MEMBER_READ', 'PROJECT_READ'],
    });
    const reader = await createRole(api.url, owner.accessToken, project.id, { permissions: ['PROJECT_READ'] });
    const recruiter = await registerUser(api.url, { email: unique('recruiter') });
    await assignRole(api.url, owner.accessToken, {
      projectId: project.id,
      userId: recruiter.id,
      roleId: inviterRole.id,
    });
    for (const roleId of ['viewer', 'developer', 'admin', 'owner']) {
      expectRefused(
        await on.invitations.invite(recruiter.accessToken, { projectId: project.id, email: unique('v'), roleId }),
        'FORBIDDEN',
        'PERMISSION_DENIED',
      );
    }
    const invitedEmail = unique('reader');
    const { link } = await invite(recruiter.accessToken, project.id, invitedEmail, reader.id);

    // The recruiter loses the right to invite before the link is used: the offer no longer stands.
    ok(
      await on.access.removeRole(owner.accessToken, {
        projectId: project.id,
        userId: recruiter.id,
        roleId: inviterRole.id,
      }),
    );
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Reader', password: 'a long password' }),
      'FORBIDDEN',
      'INVITER_LACKS_PERMISSION',
    );
    expect(await pendingOf(owner.accessToken, project.id)).toHaveLength(1);
  });

  it('refuses to invite a member, or an email with a pending invitation', async () => {
    const { owner, project } = await team();
    expectRefused(
      await on.invitations.invite(owner.accessToken, { projectId: project.id, email: owner.email, roleId: 'viewer' }),
      'CONFLICT',
      'ALREADY_MEMBER',
    );
    const email = unique('twice');
    await invite(owner.accessToken, project.id, email);
    expectRefused(
      await on.invitations.invite(owner.accessToken, {
        projectId: project.id,
        email: email.toUpperCase(),
        roleId: 'admin',
      }),
      'CONFLICT',
      'INVITATION_PENDING',
    );
    expect(await pendingOf(owner.accessToken, project.id)).toHaveLength(1);
  });

  it('refuses bad input on every path with a stable code, changing nothing', async () => {
    const { owner, project } = await team();
    const { invitation, link } = await invite(owner.accessToken, project.id, unique('steady'));
    const other = await registerUser(api.url);
    const t = owner.accessToken;
    const bad = (projectId: string, email: string, roleId: string) =>
      on.invitations.invite(t, unchecked({ projectId, email, roleId }));

    expectRefused(await bad(project.id, 'not-an-email', 'viewer'), 'BAD_USER_INPUT');
    expectRefused(await bad(project.id, `${'a'.repeat(250)}@example.test`, 'viewer'), 'BAD_USER_INPUT');
    expectRefused(await bad(project.id, unique('r'), 'superuser'), 'BAD_USER_INPUT');
    expectRefused(await bad('nope', unique('r'), 'viewer'), 'BAD_USER_INPUT');
    expectRefused(
      await bad(project.id, unique('r'), new Types.ObjectId().toHexString()),
      'NOT_FOUND',
      'ROLE_NOT_FOUND',
    );
    expectRefused(
      await on.invitations.invite(t, unchecked({ projectId: project.id, email: unique('r') })),
      'BAD_USER_INPUT',
    );

    for (const token of [
      '',
      'slwi_short',
      `slw_${'a'.repeat(43)}`,
      `slwi_${'a'.repeat(42)}!`,
      `slwi_${'a'.repeat(44)}`,
    ]) {
      expectRefused(await on.invitations.accept(other.accessToken, { token }), 'BAD_USER_INPUT');
      expectRefused(await on.invitations.decline(undefined, { token }), 'BAD_USER_INPUT');
      expectRefused(
        await on.invitations.acceptAsNewUser(undefined, { token, name: 'N', password: 'a long password' }),
        'BAD_USER_INPUT',
      );
    }
    const unknown = `slwi_${'A'.repeat(43)}`;
    expectRefused(
      await on.invitations.accept(other.accessToken, { token: unknown }),
      'NOT_FOUND',
      'INVITATION_NOT_FOUND',
    );
    expectRefused(await on.invitations.decline(undefined, { token: unknown }), 'NOT_FOUND', 'INVITATION_NOT_FOUND');
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: '   ', password: 'a long password' }),
      'BAD_USER_INPUT',
    );
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Nora', password: 'short' }),
      'BAD_USER_INPUT',
    );
    expectRefused(
      await on.invitations.acceptAsNewUser(undefined, { token: link, name: 'Nora', password: 'x'.repeat(201) }),
      'BAD_USER_INPUT',
    );

    for (const id of ['nope', '']) {
      expectRefused(await on.invitations.resend(t, { id }), 'BAD_USER_INPUT');
      expectRefused(await on.invitations.revoke(t, { id }), 'BAD_USER_INPUT');
    }
    const missing = new Types.ObjectId().toHexString();
    expectRefused(await on.invitations.resend(t, { id: missing }), 'NOT_FOUND');
    expectRefused(await on.invitations.revoke(t, { id: missing }), 'NOT_FOUND');
    expectRefused(await on.invitations.pending(t, { projectId: 'nope' }), 'BAD_USER_INPUT');
    expectRefused(await on.invitations.pending(t, { projectId: project.id, first: 0 }), 'BAD_USER_INPUT');
    expectRefused(await on.invitations.pending(t, { projectId: project.id, first: 101 }), 'BAD_USER_INPUT');
    expectRefused(await on.invitations.pending(t, { projectId: project.id, after: 'garbage' }), 'BAD_USER_INPUT');

    // Nothing changed: the one invitation is pending, and its link still works.
    expect((await pendingOf(t, project.id)).map((i) => i.id)).toEqual([invitation.id]);
    expect(smtp.messagesTo(invitation.email)).toHaveLength(1);
    expect(ok(await on.invitations.decline(undefined, { token: link })).declineInvitation.status).toBe('DECLINED');
  });

  it('checks permissions on every operation', async () => {
    const { owner, project } = await team();
    const viewer = await registerUser(api.url);
    const outsider = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: viewer.id, roleId: 'viewer' });
    const { invitation, link } = await invite(owner.accessToken, project.id, unique('guarded'));
    const input = { projectId: project.id, email: unique('g'), roleId: 'viewer' };

    expectRefused(await on.invitations.invite(undefined, input), 'UNAUTHENTICATED');
    expectRefused(await on.invitations.invite(viewer.accessToken, input), 'FORBIDDEN');
    expectRefused(await on.invitations.invite(outsider.accessToken, input), 'FORBIDDEN');
    expectRefused(await on.invitations.pending(undefined, { projectId: project.id }), 'UNAUTHENTICATED');
    expectRefused(await on.invitations.pending(outsider.accessToken, { projectId: project.id }), 'FORBIDDEN');
    expect(await pendingOf(viewer.accessToken, project.id)).toHaveLength(1);
    for (const who of [undefined, viewer.accessToken, outsider.accessToken]) {
      const code = who ? 'FORBIDDEN' : 'UNAUTHENTICATED';
      expectRefused(await on.invitations.resend(who, { id: invitation.id }), code);
      expectRefused(await on.invitations.revoke(who, { id: invitation.id }), code);
    }
    expectRefused(await on.invitations.accept(undefined, { token: link }), 'UNAUTHENTICATED');
    expect((await pendingOf(owner.accessToken, project.id)).map((i) => i.id)).toEqual([invitation.id]);
    expect(smtp.messagesTo(invitation.email)).toHaveLength(1);
  });

  it('keeps link tokens and passwords out of the audit log', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('audited') });
    const { link: accepted } = await invite(owner.accessToken, project.id, invited.email);
    const { link: declined } = await invite(owner.accessToken, project.id, unique('audited-decline'));
    const { link: joined } = await invite(owner.accessToken, project.id, unique('audited-new'));
    const { link: refused } = await invite(owner.accessToken, project.id, unique('audited-refused'));
    ok(await on.invitations.accept(invited.accessToken, { token: accepted }));
    ok(await on.invitations.decline(undefined, { token: declined }));
    ok(
      await on.invitations.acceptAsNewUser(undefined, { token: joined, name: 'Audrey', password: 'audited password' }),
    );
    expectRefused(await on.invitations.accept(invited.accessToken, { token: refused }), 'FORBIDDEN');

    const operationsSeen = [
      'mutation.acceptInvitation',
      'mutation.declineInvitation',
      'mutation.acceptInvitationAsNewUser',
    ];
    const entries = await waitFor(async () => {
      const found = await db()
        .collection('audit_logs')
        .find({ operation: { $in: operationsSeen } })
        .toArray();
      return found.length >= 4 ? found : undefined;
    });
    const stored = JSON.stringify(entries);
    for (const secret of [accepted, declined, joined, refused, 'audited password'])
      expect(stored).not.toContain(secret);
    for (const entry of entries)
      expect((entry.arguments as { input: { token: string } }).input.token).toBe('[REDACTED]');
    const everything = JSON.stringify(await db().collection('audit_logs').find({}).toArray());
    expect(everything).not.toContain('slwi_');
  });

  it('limits invitation emails per project and per inviter', async () => {
    const { owner, project } = await team();
    const admin = await registerUser(api.url);
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: admin.id, roleId: 'admin' });
    // Per project, whoever sends them (a resend counts too).
    const first = ok(
      await on.invitations.invite(owner.accessToken, { projectId: project.id, email: unique('p'), roleId: 'viewer' }),
    ).inviteMember;
    ok(await on.invitations.resend(admin.accessToken, { id: first.id }));
    for (let i = 2; i < PER_PROJECT; i += 1) {
      const by = i % 2 === 0 ? owner : admin;
      ok(await on.invitations.invite(by.accessToken, { projectId: project.id, email: unique('p'), roleId: 'viewer' }));
    }
    const limited = await on.invitations.invite(admin.accessToken, {
      projectId: project.id,
      email: unique('p'),
      roleId: 'viewer',
    });
    expectRefused(limited, 'RATE_LIMITED', 'RATE_LIMITED');
    const details = limited.errors?.[0]?.extensions?.details as { retryAfterSeconds?: number } | undefined;
    expect(details?.retryAfterSeconds).toBeGreaterThan(0);
    expectRefused(await on.invitations.resend(owner.accessToken, { id: first.id }), 'RATE_LIMITED');
    expect(await pendingOf(owner.accessToken, project.id)).toHaveLength(PER_PROJECT - 1);

    // Per inviter, over all their projects.
    const busy = await registerUser(api.url);
    let sent = 0;
    while (sent < PER_INVITER) {
      const own = await createProject(api.url, busy.accessToken);
      for (let i = 0; i < 4 && sent < PER_INVITER; i += 1, sent += 1) {
        ok(await on.invitations.invite(busy.accessToken, { projectId: own.id, email: unique('i'), roleId: 'viewer' }));
      }
    }
    const fresh = await createProject(api.url, busy.accessToken);
    expectRefused(
      await on.invitations.invite(busy.accessToken, { projectId: fresh.id, email: unique('i'), roleId: 'viewer' }),
      'RATE_LIMITED',
      'RATE_LIMITED',
    );
    expect(await pendingOf(busy.accessToken, fresh.id)).toEqual([]);
  });

  it('does not let a member over their own limit spend the project’s', async () => {
    const { owner, project } = await team();
    const busy = await registerUser(api.url);
    for (let sent = 0; sent < PER_INVITER;) {
      const own = await createProject(api.url, busy.accessToken);
      for (let i = 0; i < 4 && sent < PER_INVITER; i += 1, sent += 1) {
        ok(await on.invitations.invite(busy.accessToken, { projectId: own.id, email: unique('b'), roleId: 'viewer' }));
      }
    }
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: busy.id, roleId: 'admin' });

    // Over their own limit, they keep trying in the project, more times than the project allows.
    for (let i = 0; i < PER_PROJECT + 2; i += 1) {
      expectRefused(
        await on.invitations.invite(busy.accessToken, { projectId: project.id, email: unique('b'), roleId: 'viewer' }),
        'RATE_LIMITED',
        'RATE_LIMITED',
      );
    }

    // Another member of the project still has the project's whole allowance.
    for (let i = 0; i < PER_PROJECT; i += 1) {
      ok(
        await on.invitations.invite(owner.accessToken, { projectId: project.id, email: unique('o'), roleId: 'viewer' }),
      );
    }
    expect(await pendingOf(owner.accessToken, project.id)).toHaveLength(PER_PROJECT);
  });

  it('keeps an ended invitation INVITATION_RETENTION_DAYS, then MongoDB removes it', async () => {
    const { owner, project } = await team();
    const collection = db().collection('invitations');
    const stored = async (id: string) => (await collection.findOne({ _id: new Types.ObjectId(id) }))!;
    const retention = 30 * 86_400_000;
    const revoked = (await invite(owner.accessToken, project.id, unique('gone'))).invitation;
    const invited = await registerUser(api.url, { email: unique('joined') });
    const { invitation: accepted, link } = await invite(owner.accessToken, project.id, invited.email);
    const pending = (await invite(owner.accessToken, project.id, unique('waiting'))).invitation;

    ok(await on.invitations.revoke(owner.accessToken, { id: revoked.id }));
    ok(await on.invitations.accept(invited.accessToken, { token: link }));

    for (const id of [revoked.id, accepted.id]) {
      const ended = await stored(id);
      expect(ended.endedAt).toBeInstanceOf(Date);
      expect(ended.purgeAt.getTime()).toBe(ended.endedAt.getTime() + retention);
    }
    expect((await stored(pending.id)).purgeAt).toBeNull();
    expect(await collection.indexes()).toContainEqual(
      expect.objectContaining({ key: { purgeAt: 1 }, expireAfterSeconds: 0 }),
    );
    // One ended without a removal date (stored before there was one) is given one by the sweep.
    await collection.updateOne({ _id: new Types.ObjectId(revoked.id) }, { $unset: { purgeAt: 1 } });
    await waitFor(async () => (await stored(revoked.id)).purgeAt instanceof Date, 20_000, 'a removal date');
    expect((await stored(revoked.id)).purgeAt.getTime()).toBeGreaterThan(Date.now() + retention - 60_000);
    expect((await stored(pending.id)).purgeAt).toBeNull();
  });

  it('removes a deleted project’s invitations: their links find nothing', async () => {
    const { owner, project } = await team();
    const email = unique('orphan');
    const { link } = await invite(owner.accessToken, project.id, email);
    ok(await on.projects.delete(owner.accessToken, { id: project.id }));
    await waitFor(
      async () =>
        (await db()
          .collection('invitations')
          .countDocuments({ projectId: new Types.ObjectId(project.id) })) === 0,
      10_000,
      'the invitations to go',
    );
    expectRefused(await on.invitations.decline(undefined, { token: link }), 'NOT_FOUND', 'INVITATION_NOT_FOUND');
  });

  it('delivers the email once the SMTP server is back, though it was down when inviting', async () => {
    const { owner, project } = await team();
    const invited = await registerUser(api.url, { email: unique('patient') });
    const queue = api.app.get<Queue>(getQueueToken(MAIL_QUEUE));
    await smtp.stop();
    try {
      const invitation = ok(
        await on.invitations.invite(owner.accessToken, {
          projectId: project.id,
          email: invited.email,
          roleId: 'viewer',
        }),
      ).inviteMember;
      expect(invitation.status).toBe('PENDING');
      // The worker has tried and failed at least once, and will try again.
      await waitFor(
        async () => {
          const delayed = await queue.getDelayed();
          return delayed.some((job) => (job.data as { to: string }).to === invited.email && job.attemptsMade >= 1);
        },
        20_000,
        'a failed attempt to send',
      );
      expect(smtp.messagesTo(invited.email)).toEqual([]);
    } finally {
      await smtp.start();
    }
    const link = await nthToken(invited.email, 1);
    expect(smtp.messagesTo(invited.email)).toHaveLength(1);
    expect(ok(await on.invitations.accept(invited.accessToken, { token: link })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
  });
});

describe('invitations without an SMTP server', () => {
  let api: TestApp;
  let outbox: string;

  beforeAll(async () => {
    outbox = await mkdtemp(path.join(tmpdir(), 'slipway-outbox-'));
    api = await startTestApp({ MAIL_OUTBOX_DIR: outbox, MAIL_RETRY_BASE_MS: '200' }, { label: 'outbox' });
  });

  afterAll(async () => {
    await api?.close();
    await rm(outbox, { recursive: true, force: true });
  });

  it('writes each message to the outbox as an .eml file only its process can read, and its link works', async () => {
    const on = operations(api.url);
    const owner = await registerUser(api.url);
    const project = await createProject(api.url, owner.accessToken);
    const invited = await registerUser(api.url);
    ok(
      await on.invitations.invite(owner.accessToken, { projectId: project.id, email: invited.email, roleId: 'viewer' }),
    );

    const file = await waitFor(
      async () => (await readdir(outbox)).find((name) => name.endsWith('.eml')),
      20_000,
      'an .eml file in the outbox',
    );
    const full = path.join(outbox, file);
    expect((await stat(full)).mode & 0o777).toBe(0o600);
    const mail = await simpleParser(await readFile(full));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(invited.email);
    const token = INVITATION_TOKEN_IN_LINK.exec(mail.text ?? '')?.[1];
    expect(token).toBeDefined();
    expect(ok(await on.invitations.accept(invited.accessToken, { token: token! })).acceptInvitation.status).toBe(
      'ACCEPTED',
    );
  });
});
