import { Types } from 'mongoose';
import { assignRole, createProject, registerUser } from './support/factories';
import { codeOf, ok, reasonOf } from './support/graphql-client';
import { operations, subscribeActivity, subscribeProjectEvents, type Operations } from './support/operations';
import { INVITATION_TOKEN_IN_LINK, SmtpCatcher } from './support/smtp-catcher';
import { startTestApp, type TestApp } from './support/test-app';
import { firstWhileTriggering, modernClient } from './support/ws-clients';

/**
 * A team from end to end, across invitations, members and the activity feed: an invitation
 * emailed through a real SMTP server, its link accepted by the invited user, the member working
 * with the role, then removed, with the feed showing each step live and in order. Live streams
 * re-check access only every 300 s here, so the removed member's subscription can end in time only
 * through the re-check a change of access makes at once. A member's removal also ends the pending
 * invitations of their email, so an old link cannot bring them back.
 */

const codeOfStreamError = (error: unknown): unknown =>
  (Array.isArray(error) ? error[0] : error)?.extensions?.code ?? (error as { message?: string })?.message;

describe('a team from invitation to removal', () => {
  const smtp = new SmtpCatcher();
  let api: TestApp;
  let sut: Operations;

  beforeAll(async () => {
    await smtp.start();
    api = await startTestApp({
      SMTP_URL: smtp.url,
      MAIL_RETRY_BASE_MS: '200',
      INVITATION_LINK_BASE: 'https://app.example.test/invitations/accept?token=',
      LIVE_STREAM_RECHECK_SECONDS: '300',
    });
    sut = operations(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await smtp.stop();
  });

  it('invites by email, lets the invited user in with the role, removes them, and shows each step live', async () => {
    const owner = await registerUser(api.url, { name: 'Flow Owner' });
    const project = await createProject(api.url, owner.accessToken, 'Flow project');
    const ownerClient = modernClient(api.wsUrl, owner.accessToken, { lazy: false });
    const feed = subscribeActivity(ownerClient, { projectId: project.id });
    try {
      const warm = await firstWhileTriggering(feed, (n) =>
        sut.projects.update(owner.accessToken, { id: project.id, name: `Warm ${n}` }),
      );
      expect(warm?.activityAdded.projectId).toBe(project.id);
      // Entries of the warm-up still on their way are skipped.
      while (await feed.next(1_000).catch(() => undefined));

      // The invitation arrives by email; its link's token is read from the email only.
      const email = `flow-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;
      const dev = await registerUser(api.url, { email, name: 'Flow Dev' });
      ok(await sut.invitations.invite(owner.accessToken, { projectId: project.id, email, roleId: 'developer' }));
      const mail = await smtp.waitForMail(email);
      const token = INVITATION_TOKEN_IN_LINK.exec(mail.text ?? '')?.[1];
      expect(token).toBeDefined();

      ok(await sut.invitations.accept(dev.accessToken, { token: token! }));

      // The member is listed with the role, invited by the owner, and can do what the role allows.
      const members = ok(await sut.team.members(owner.accessToken, { projectId: project.id })).teamMembers;
      const joined = members.edges.map((e) => e.node).find((m) => m.user.id === dev.id);
      expect(joined).toMatchObject({ invitedBy: owner.id });
      expect(joined!.roles.map((role) => role.id)).toEqual(['developer']);
      expect(ok(await sut.projects.get(dev.accessToken, { id: project.id })).project.id).toBe(project.id);
      expect(ok(await sut.settings.get(dev.accessToken, { projectId: project.id })).projectSettings).toBeDefined();
      expect(
        codeOf(
          await sut.settings.updateDeployment(dev.accessToken, { projectId: project.id, previewDeployments: false }),
        ),
      ).toBe('FORBIDDEN');

      // Removed, the member's open subscription ends at once.
      const devClient = modernClient(api.wsUrl, dev.accessToken, { lazy: false });
      const devEvents = subscribeProjectEvents(devClient, { projectId: project.id });
      try {
        expect(
          await firstWhileTriggering(devEvents, (n) =>
            sut.projects.update(owner.accessToken, { id: project.id, name: `Seen ${n}` }),
          ),
        ).toBeDefined();
        ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: dev.id }));
        expect(codeOfStreamError(await devEvents.error(5_000))).toBe('FORBIDDEN');
        expect(codeOf(await sut.projects.get(dev.accessToken, { id: project.id }))).toBe('FORBIDDEN');
      } finally {
        devEvents.close();
        await devClient.dispose();
      }

      // The feed showed every step, live and in order, each with its actor.
      const seen: string[] = [];
      for (;;) {
        const { activityAdded } = await feed.next(10_000);
        if (activityAdded.event === 'project.updated') continue;
        seen.push(
          `${activityAdded.event} by ${activityAdded.actorId === owner.id ? 'owner' : activityAdded.actorId === dev.id ? 'dev' : activityAdded.actorId}`,
        );
        if (activityAdded.event === 'member.removed') break;
      }
      expect(seen).toEqual([
        'member.invited by owner',
        'role.assigned by dev',
        'member.joined by dev',
        'role.removed by owner',
        'member.removed by owner',
      ]);
    } finally {
      feed.close();
      await ownerClient.dispose();
    }
  }, 60_000);

  it('revokes a removed member’s pending invitation, so its link no longer lets them in', async () => {
    const owner = await registerUser(api.url, { name: 'Revoking Owner' });
    const project = await createProject(api.url, owner.accessToken, 'Removal project');
    const email = `removed-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;
    const user = await registerUser(api.url, { email, name: 'Removed User' });
    const invited = ok(
      await sut.invitations.invite(owner.accessToken, { projectId: project.id, email, roleId: 'developer' }),
    ).inviteMember;
    const token = INVITATION_TOKEN_IN_LINK.exec((await smtp.waitForMail(email)).text ?? '')?.[1];
    expect(token).toBeDefined();
    // Given a role directly while the invitation is still pending, then removed.
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' });
    ok(await sut.team.removeMember(owner.accessToken, { projectId: project.id, userId: user.id }));

    const accepted = await sut.invitations.accept(user.accessToken, { token: token! });

    expect([codeOf(accepted), reasonOf(accepted)]).toEqual(['FORBIDDEN', 'INVITATION_REVOKED']);
    expect(codeOf(await sut.projects.get(user.accessToken, { id: project.id }))).toBe('FORBIDDEN');
    const pending = ok(await sut.invitations.pending(owner.accessToken, { projectId: project.id, first: 100 }));
    expect(pending.pendingInvitations.edges.map((e) => e.node.id)).not.toContain(invited.id);
  });

  it('revokes the pending invitation of a member who leaves', async () => {
    const owner = await registerUser(api.url, { name: 'Staying Owner' });
    const project = await createProject(api.url, owner.accessToken, 'Leaving project');
    const email = `left-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;
    const user = await registerUser(api.url, { email, name: 'Leaving User' });
    ok(await sut.invitations.invite(owner.accessToken, { projectId: project.id, email, roleId: 'developer' }));
    const token = INVITATION_TOKEN_IN_LINK.exec((await smtp.waitForMail(email)).text ?? '')?.[1];
    expect(token).toBeDefined();
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' });
    ok(await sut.team.leaveProject(user.accessToken, { projectId: project.id }));

    const accepted = await sut.invitations.accept(user.accessToken, { token: token! });

    expect([codeOf(accepted), reasonOf(accepted)]).toEqual(['FORBIDDEN', 'INVITATION_REVOKED']);
  });
});
