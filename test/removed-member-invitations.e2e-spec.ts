import { Types } from 'mongoose';
import { assignRole, createProject, registerUser } from './support/factories';
import { codeOf, ok, reasonOf } from './support/graphql-client';
import { operations, type Operations } from './support/operations';
import { SmtpCatcher } from './support/smtp-catcher';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A member's removal ends the project's pending invitations of their email: an invitation emailed
 * before they were given a role another way cannot bring them back once removed.
 */

const TOKEN_IN_LINK = /token=(slwi_[A-Za-z0-9_-]{43})/;

describe('a removed member’s pending invitation', () => {
  const smtp = new SmtpCatcher();
  let api: TestApp;
  let sut: Operations;

  beforeAll(async () => {
    await smtp.start();
    api = await startTestApp({
      SMTP_URL: smtp.url,
      MAIL_RETRY_BASE_MS: '200',
      INVITATION_LINK_BASE: 'https://app.example.test/invitations/accept?token=',
    });
    sut = operations(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await smtp.stop();
  });

  it('is revoked with the removal, so its link no longer lets them in', async () => {
    const owner = await registerUser(api.url, { name: 'Revoking Owner' });
    const project = await createProject(api.url, owner.accessToken, 'Removal project');
    const email = `removed-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;
    const user = await registerUser(api.url, { email, name: 'Removed User' });
    const invited = ok(
      await sut.invitations.invite(owner.accessToken, { projectId: project.id, email, roleId: 'developer' }),
    ).inviteMember;
    const token = TOKEN_IN_LINK.exec((await smtp.waitForMail(email)).text ?? '')?.[1];
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

  it('is revoked too when the member leaves', async () => {
    const owner = await registerUser(api.url, { name: 'Staying Owner' });
    const project = await createProject(api.url, owner.accessToken, 'Leaving project');
    const email = `left-${new Types.ObjectId().toHexString().slice(-8)}@example.test`;
    const user = await registerUser(api.url, { email, name: 'Leaving User' });
    ok(await sut.invitations.invite(owner.accessToken, { projectId: project.id, email, roleId: 'developer' }));
    const token = TOKEN_IN_LINK.exec((await smtp.waitForMail(email)).text ?? '')?.[1];
    expect(token).toBeDefined();
    await assignRole(api.url, owner.accessToken, { projectId: project.id, userId: user.id, roleId: 'viewer' });
    ok(await sut.team.leaveProject(user.accessToken, { projectId: project.id }));

    const accepted = await sut.invitations.accept(user.accessToken, { token: token! });

    expect([codeOf(accepted), reasonOf(accepted)]).toEqual(['FORBIDDEN', 'INVITATION_REVOKED']);
  });
});
