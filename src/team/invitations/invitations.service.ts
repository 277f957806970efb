import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AccessService } from '../../access/access.service';
import { EffectivePermissionsService } from '../../access/effective-permissions.service';
import type { Role } from '../../access/models/role.model';
import { RoleAssignmentsService } from '../../access/role-assignments.service';
import { RolesService } from '../../access/roles.service';
import { AuthService } from '../../auth/auth.service';
import type { AuthPayload } from '../../auth/models/auth-payload.model';
import { UsersService } from '../../auth/users.service';
import type { RequestContext } from '../../common/context/request-context';
import { EventBus } from '../../common/events/event-bus';
import { isDuplicateKeyError } from '../../common/mongo/mongo-errors';
import { canonicalId, toObjectId } from '../../common/mongo/object-id';
import type { Connection } from '../../common/pagination/connection';
import { paginate } from '../../common/pagination/paginate';
import { RateLimiter } from '../../common/redis/rate-limiter';
import { AppConfig } from '../../config/app-config';
import { MailService } from '../../mail/mail.service';
import { ProjectsService } from '../../projects/projects.service';
import { InvitationExpiredEvent, InvitationRevokedEvent } from '../events/invitation-ended.event';
import { MemberInvitedEvent } from '../events/member-invited.event';
import { MemberJoinedEvent } from '../events/member-joined.event';
import type { AcceptInvitationAsNewUserInput } from './dto/accept-invitation-as-new-user.input';
import type { InviteMemberInput } from './dto/invite-member.input';
import type { PendingInvitationsArgs } from './dto/pending-invitations.args';
import { InvitationException, InvitationExceptionReason as Reason } from './invitation.exception';
import { renderInvitationMail } from './invitation-mail';
import { InvitationRecord, InvitationStatus, pendingKeyOf, REMEMBERED_TOKENS } from './invitation.schema';
import { generateInvitationToken, hashInvitationToken } from './invitation-token';
import { Invitation } from './models/invitation.model';
import type { NewMemberSession } from './models/new-member-session.model';

/** How many ended invitations the expiry sweep handles per run; the next run takes the rest. */
const EXPIRY_BATCH = 500;

/**
 * Invitations by email: a single-use link token (only its hash stored) offering a role in a
 * project, no more than the inviter holds. Accepting grants the role through
 * `RoleAssignmentsService`, in the inviter's name.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @InjectModel(InvitationRecord.name) private readonly invitations: Model<InvitationRecord>,
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly roles: RolesService,
    private readonly assignments: RoleAssignmentsService,
    private readonly access: AccessService,
    private readonly permissions: EffectivePermissionsService,
    private readonly projects: ProjectsService,
    private readonly mail: MailService,
    private readonly rateLimiter: RateLimiter,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {}

  async invite(ctx: RequestContext, input: InviteMemberInput): Promise<Invitation> {
    const inviter = ctx.requireUser();
    const role = await this.roles.get(input.projectId, input.roleId);
    await this.access.assertHoldsAll(ctx, input.projectId, role.permissions, `offer the role ${role.name}`);
    await this.assertNotMember(input.projectId, input.email);
    await this.expireEnded({ projectId: toObjectId(input.projectId), email: input.email });
    const pending = await this.invitations
      .exists({ projectId: toObjectId(input.projectId), email: input.email, status: InvitationStatus.PENDING })
      .exec();
    if (pending) throw pendingAlready();
    await this.allowSending(input.projectId, inviter.id);

    const token = generateInvitationToken();
    const now = new Date();
    let record: InvitationRecord;
    try {
      record = (
        await this.invitations.create({
          projectId: toObjectId(input.projectId),
          email: input.email,
          roleId: role.id,
          invitedBy: inviter.id,
          tokenHash: hashInvitationToken(token),
          status: InvitationStatus.PENDING,
          pendingKey: pendingKeyOf(input.projectId, input.email),
          expiresAt: this.expiryFrom(now),
          lastSentAt: now,
        })
      ).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw pendingAlready();
      throw error;
    }
    try {
      await this.sendInvitation(record, token, role);
    } catch (error) {
      // Nobody could ever accept an invitation whose email was not sent: take it back.
      await this.invitations.deleteOne({ _id: record._id }).exec();
      throw error;
    }
    await this.events.publish(
      new MemberInvitedEvent(
        input.projectId,
        ctx.actorId,
        record._id.toHexString(),
        record.email,
        record.roleId,
        record.invitedBy,
        record.expiresAt.toISOString(),
      ),
    );
    return Invitation.from(record, now);
  }

  /** Sends a pending (or expired) invitation again with a new token: the link sent before stops working. */
  async resend(ctx: RequestContext, id: string): Promise<Invitation> {
    const sender = ctx.requireUser();
    const record = await this.byId(id);
    if (record.status !== InvitationStatus.PENDING && record.status !== InvitationStatus.EXPIRED) {
      throw stateRefusal(record);
    }
    const projectId = record.projectId.toHexString();
    const role = await this.roles.get(projectId, record.roleId);
    await this.access.assertHoldsAll(ctx, projectId, role.permissions, `offer the role ${role.name}`);
    await this.assertNotMember(projectId, record.email);
    await this.allowSending(projectId, sender.id);

    const token = generateInvitationToken();
    const now = new Date();
    let updated: InvitationRecord | null;
    try {
      updated = await this.invitations
        .findOneAndUpdate(
          { _id: record._id, tokenHash: record.tokenHash, status: record.status },
          {
            $set: {
              tokenHash: hashInvitationToken(token),
              previousTokenHashes: [...record.previousTokenHashes, record.tokenHash].slice(-REMEMBERED_TOKENS),
              status: InvitationStatus.PENDING,
              pendingKey: pendingKeyOf(projectId, record.email),
              expiresAt: this.expiryFrom(now),
              lastSentAt: now,
              invitedBy: sender.id,
              endedAt: null,
              purgeAt: null,
            },
          },
          { returnDocument: 'after' },
        )
        .lean<InvitationRecord>()
        .exec();
    } catch (error) {
      // The invitation had expired and the email has been invited again since.
      if (isDuplicateKeyError(error)) throw pendingAlready();
      throw error;
    }
    // Answered, revoked or resent by someone else meanwhile.
    if (!updated) throw stateRefusal(await this.byId(id));
    try {
      await this.sendInvitation(updated, token, role);
    } catch (error) {
      // No email holds the new link: put the previous one back, so the link sent before still works.
      await this.unsend(record, updated.tokenHash);
      throw error;
    }
    return Invitation.from(updated, now);
  }

  async revoke(ctx: RequestContext, id: string): Promise<Invitation> {
    const record = await this.byId(id);
    assertPending(record);
    const now = new Date();
    const revoked = await this.invitations
      .findOneAndUpdate(
        { _id: record._id, status: InvitationStatus.PENDING },
        { $set: { status: InvitationStatus.REVOKED, ...this.endingAt(now) }, $unset: { pendingKey: 1 } },
        { returnDocument: 'after' },
      )
      .lean<InvitationRecord>()
      .exec();
    if (!revoked) throw stateRefusal(await this.byId(id));
    await this.events.publish(
      new InvitationRevokedEvent(
        revoked.projectId.toHexString(),
        ctx.actorId,
        revoked._id.toHexString(),
        revoked.email,
        revoked.roleId,
      ),
    );
    return Invitation.from(revoked, now);
  }

  /**
   * Revokes the project's pending invitations of an email, as when its user stops being a member:
   * a link sent before must not bring them back. Each one revoked is announced.
   */
  async revokePendingOf(projectId: string, email: string, actorId: string | undefined): Promise<void> {
    const scope = { projectId: toObjectId(projectId), email: email.trim().toLowerCase() };
    const pending = await this.invitations
      .find({ ...scope, status: InvitationStatus.PENDING })
      .lean<InvitationRecord[]>()
      .exec();
    for (const record of pending) {
      const revoked = await this.invitations
        .findOneAndUpdate(
          { _id: record._id, status: InvitationStatus.PENDING },
          { $set: { status: InvitationStatus.REVOKED, ...this.endingAt(new Date()) }, $unset: { pendingKey: 1 } },
        )
        .exec();
      // Answered or ended meanwhile.
      if (!revoked) continue;
      await this.events.publish(
        new InvitationRevokedEvent(projectId, actorId, record._id.toHexString(), record.email, record.roleId),
      );
    }
  }

  /** Accepts for the signed-in user, whose email must be the one invited. */
  async accept(ctx: RequestContext, token: string): Promise<Invitation> {
    const user = ctx.requireUser();
    const record = await this.byToken(token);
    if (user.email.toLowerCase() !== record.email) {
      throw new InvitationException(
        Reason.INVITATION_EMAIL_MISMATCH,
        'This invitation was sent to another email address: sign in with that address to accept it',
      );
    }
    const projectId = record.projectId.toHexString();
    const role = await this.offeredRole(record);
    if (await this.assignments.isMember(projectId, user.id)) throw alreadyMember();
    const accepted = await this.claim(record, InvitationStatus.ACCEPTED, user.id);
    try {
      await this.assignments.assignInvited(projectId, user.id, role.id, record.invitedBy);
    } catch (error) {
      await this.unclaim(accepted);
      throw error;
    }
    await this.announceJoined(accepted, user.id);
    return Invitation.from(accepted);
  }

  /** Makes the account for the invited email (as signing up does), accepts, and signs the new user in. */
  async acceptAsNewUser(ctx: RequestContext, input: AcceptInvitationAsNewUserInput): Promise<NewMemberSession> {
    const record = await this.byToken(input.token);
    const role = await this.offeredRole(record);
    if (await this.users.emailTaken(record.email)) {
      throw new InvitationException(
        Reason.ACCOUNT_EXISTS,
        'An account with the invited email exists: sign in and accept the invitation instead',
      );
    }
    const claimed = await this.claim(record, InvitationStatus.ACCEPTED, null);
    let auth: AuthPayload;
    try {
      auth = await this.auth.register(ctx, { email: record.email, name: input.name, password: input.password });
    } catch (error) {
      await this.unclaim(claimed);
      throw error;
    }
    const accepted = await this.invitations
      .findOneAndUpdate({ _id: claimed._id }, { $set: { acceptedBy: auth.user.id } }, { returnDocument: 'after' })
      .lean<InvitationRecord>()
      .exec();
    const projectId = record.projectId.toHexString();
    try {
      await this.assignments.assignInvited(projectId, auth.user.id, role.id, record.invitedBy);
    } catch (error) {
      // The account stays: its owner can sign in and accept the link again.
      await this.unclaim(claimed);
      throw error;
    }
    await this.announceJoined(accepted ?? claimed, auth.user.id);
    return { auth, invitation: Invitation.from(accepted ?? { ...claimed, acceptedBy: auth.user.id }) };
  }

  /** Declines for whoever holds the link; no sign-in needed. */
  async decline(token: string): Promise<Invitation> {
    const record = await this.byToken(token);
    return Invitation.from(await this.claim(record, InvitationStatus.DECLINED, null));
  }

  async pending(args: PendingInvitationsArgs): Promise<Connection<Invitation>> {
    const now = new Date();
    const filter = { projectId: toObjectId(args.projectId), status: InvitationStatus.PENDING, expiresAt: { $gt: now } };
    return paginate(this.invitations, filter, args, (record) => Invitation.from(record, now));
  }

  /** The project an invitation belongs to, for the access guard. */
  async projectOf(id: string): Promise<string | null> {
    if (!canonicalId(id)) return null;
    const found = await this.invitations
      .findById(toObjectId(id))
      .select('projectId')
      .lean<Pick<InvitationRecord, 'projectId'>>()
      .exec();
    return found ? found.projectId.toHexString() : null;
  }

  /**
   * Marks pending invitations past their end EXPIRED and announces each; returns how many. Also
   * dates the removal of ended invitations that have none (ended before INVITATION_RETENTION_DAYS
   * existed, or by a write that did not set it), so that every ended one is removed in time.
   */
  async expireDue(): Promise<number> {
    const expired = await this.expireEnded({});
    await this.invitations
      .updateMany(
        { purgeAt: null, status: { $ne: InvitationStatus.PENDING } },
        { $set: { purgeAt: new Date(Date.now() + this.config.invitationRetentionMs) } },
      )
      .exec();
    return expired;
  }

  /** A deleted project's invitations go with it; their links then find nothing. */
  async forgetProject(projectId: string): Promise<void> {
    await this.invitations.deleteMany({ projectId: toObjectId(projectId) }).exec();
  }

  private async expireEnded(scope: Partial<Pick<InvitationRecord, 'projectId' | 'email'>>): Promise<number> {
    const now = new Date();
    const ended = await this.invitations
      .find({ ...scope, status: InvitationStatus.PENDING, expiresAt: { $lte: now } })
      .limit(EXPIRY_BATCH)
      .lean<InvitationRecord[]>()
      .exec();
    let expired = 0;
    for (const record of ended) {
      const marked = await this.invitations
        .findOneAndUpdate(
          { _id: record._id, status: InvitationStatus.PENDING, expiresAt: { $lte: now } },
          {
            $set: { status: InvitationStatus.EXPIRED, ...this.endingAt(record.expiresAt) },
            $unset: { pendingKey: 1 },
          },
        )
        .exec();
      // Another process marked it (and announced it) first.
      if (!marked) continue;
      expired += 1;
      await this.events.publish(
        new InvitationExpiredEvent(
          record.projectId.toHexString(),
          undefined,
          record._id.toHexString(),
          record.email,
          record.roleId,
        ),
      );
    }
    return expired;
  }

  private async byId(id: string): Promise<InvitationRecord> {
    const record = await this.invitations.findById(toObjectId(id)).lean<InvitationRecord>().exec();
    if (!record) throw notFound();
    return record;
  }

  /** The pending invitation a link's token opens, or the reason it opens nothing. */
  private async byToken(token: string): Promise<InvitationRecord> {
    const hash = hashInvitationToken(token);
    const record = await this.invitations
      .findOne({ $or: [{ tokenHash: hash }, { previousTokenHashes: hash }] })
      .lean<InvitationRecord>()
      .exec();
    if (!record) throw notFound();
    if (record.tokenHash !== hash) {
      throw new InvitationException(
        Reason.INVITATION_SUPERSEDED,
        'This invitation was sent again since: only the link in the newest email works',
      );
    }
    assertPending(record);
    return record;
  }

  /**
   * The role the invitation offers, while its inviter could still offer it: someone who has lost
   * member:invite or part of the role since cannot hand it out through an older invitation.
   */
  private async offeredRole(record: InvitationRecord): Promise<Role> {
    const projectId = record.projectId.toHexString();
    const role = await this.roles.get(projectId, record.roleId);
    const held = (await this.permissions.resolve(record.invitedBy, projectId)).permissions;
    if (!held.has('member:invite') || role.permissions.some((p) => !held.has(p))) {
      throw new InvitationException(
        Reason.INVITER_LACKS_PERMISSION,
        'The member who invited you can no longer offer this role; ask for a new invitation',
      );
    }
    return role;
  }

  /**
   * Moves a pending invitation to its answer, once: of two concurrent answers with the same link
   * only one finds it pending, and the other is told what happened.
   */
  private async claim(
    record: InvitationRecord,
    status: InvitationStatus.ACCEPTED | InvitationStatus.DECLINED,
    userId: string | null,
  ): Promise<InvitationRecord> {
    const now = new Date();
    const claimed = await this.invitations
      .findOneAndUpdate(
        { _id: record._id, tokenHash: record.tokenHash, status: InvitationStatus.PENDING, expiresAt: { $gt: now } },
        { $set: { status, ...this.endingAt(now), acceptedBy: userId }, $unset: { pendingKey: 1 } },
        { returnDocument: 'after' },
      )
      .lean<InvitationRecord>()
      .exec();
    if (claimed) return claimed;
    const current = await this.invitations.findById(record._id).lean<InvitationRecord>().exec();
    if (!current) throw notFound();
    if (current.tokenHash !== record.tokenHash) {
      throw new InvitationException(Reason.INVITATION_SUPERSEDED, 'This invitation was sent again meanwhile');
    }
    throw stateRefusal(current);
  }

  /** Puts back an acceptance whose role could not be granted, so the link can be used again. */
  private async unclaim(record: InvitationRecord): Promise<void> {
    await this.invitations
      .updateOne(
        { _id: record._id, status: InvitationStatus.ACCEPTED },
        {
          $set: {
            status: InvitationStatus.PENDING,
            pendingKey: pendingKeyOf(record.projectId.toHexString(), record.email),
            endedAt: null,
            purgeAt: null,
            acceptedBy: null,
          },
        },
      )
      .exec()
      // The email was invited again meanwhile: this acceptance stays taken back as it is.
      .catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error;
      });
  }

  /** Puts an invitation back as it was before a resend whose email could not be queued. */
  private async unsend(before: InvitationRecord, sentTokenHash: string): Promise<void> {
    const restored = {
      tokenHash: before.tokenHash,
      previousTokenHashes: before.previousTokenHashes,
      expiresAt: before.expiresAt,
      lastSentAt: before.lastSentAt,
      invitedBy: before.invitedBy,
      status: before.status,
      endedAt: before.endedAt ?? null,
      purgeAt: before.purgeAt ?? null,
    };
    await this.invitations
      .updateOne(
        // Only while nothing else has happened to it since.
        { _id: before._id, tokenHash: sentTokenHash, status: InvitationStatus.PENDING },
        before.status === InvitationStatus.PENDING ? { $set: restored } : { $set: restored, $unset: { pendingKey: 1 } },
      )
      .exec();
  }

  private async announceJoined(record: InvitationRecord, userId: string): Promise<void> {
    await this.events.publish(
      new MemberJoinedEvent(
        record.projectId.toHexString(),
        userId,
        userId,
        record.email,
        record.roleId,
        record._id.toHexString(),
        record.invitedBy,
      ),
    );
  }

  private async assertNotMember(projectId: string, email: string): Promise<void> {
    const userId = await this.users.idByEmail(email);
    if (userId && (await this.assignments.isMember(projectId, userId))) throw alreadyMember();
  }

  /**
   * Invitation emails are limited per project and per inviter (over all projects), per hour. The
   * inviter's own limit is checked first and the project's counted only past it, so one member
   * over their limit who keeps trying does not spend the project's for everyone else.
   */
  private async allowSending(projectId: string, inviterId: string): Promise<void> {
    const limits: [bucket: string, limit: number, what: string][] = [
      [`invitations:inviter:${inviterId}`, this.config.INVITATIONS_PER_HOUR_PER_INVITER, 'you'],
      [`invitations:project:${projectId}`, this.config.INVITATIONS_PER_HOUR_PER_PROJECT, 'this project'],
    ];
    for (const [bucket, limit, what] of limits) {
      const allowance = await this.rateLimiter.hit(bucket, limit, 3600);
      if (!allowance.allowed) {
        throw new InvitationException(
          Reason.RATE_LIMITED,
          `Too many invitations sent by ${what} in the last hour; try again later`,
          { retryAfterSeconds: allowance.retryAfterSeconds },
        );
      }
    }
  }

  private async sendInvitation(record: InvitationRecord, token: string, role: Role): Promise<void> {
    const [project, inviter] = await Promise.all([
      this.projects.get(record.projectId.toHexString()),
      this.users.findById(record.invitedBy),
    ]);
    const message = renderInvitationMail({
      inviterName: inviter?.name ?? 'A member',
      projectName: project.name,
      roleName: role.name,
      link: `${this.config.INVITATION_LINK_BASE}${encodeURIComponent(token)}`,
      expiresAt: record.expiresAt.toUTCString(),
    });
    await this.mail.send({ to: record.email, ...message });
  }

  /** The fields of an invitation that ends at `at`: MongoDB removes it INVITATION_RETENTION_DAYS later. */
  private endingAt(at: Date): { endedAt: Date; purgeAt: Date } {
    return { endedAt: at, purgeAt: new Date(at.getTime() + this.config.invitationRetentionMs) };
  }

  private expiryFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.INVITATION_TTL_HOURS * 3_600_000);
  }
}

/** Why an invitation that is not pending (or is past its end) can no longer be used. */
function assertPending(record: InvitationRecord, now = new Date()): void {
  if (record.status !== InvitationStatus.PENDING || record.expiresAt.getTime() <= now.getTime()) {
    throw stateRefusal(record);
  }
}

function stateRefusal(record: InvitationRecord): InvitationException {
  switch (record.status) {
    case InvitationStatus.ACCEPTED:
      return new InvitationException(Reason.INVITATION_USED, 'This invitation was accepted already');
    case InvitationStatus.DECLINED:
      return new InvitationException(Reason.INVITATION_DECLINED, 'This invitation was declined');
    case InvitationStatus.REVOKED:
      return new InvitationException(Reason.INVITATION_REVOKED, 'This invitation was revoked');
    case InvitationStatus.PENDING:
      if (record.expiresAt.getTime() > Date.now()) {
        return new InvitationException(Reason.INVITATION_SUPERSEDED, 'This invitation was sent again meanwhile');
      }
      return expiredRefusal(record);
    case InvitationStatus.EXPIRED:
      return expiredRefusal(record);
  }
}

function expiredRefusal(record: InvitationRecord): InvitationException {
  return new InvitationException(
    Reason.INVITATION_EXPIRED,
    `This invitation expired at ${record.expiresAt.toISOString()}; ask for a new one`,
  );
}

function notFound(): InvitationException {
  return new InvitationException(Reason.INVITATION_NOT_FOUND, 'No invitation has this token or id');
}

function pendingAlready(): InvitationException {
  return new InvitationException(
    Reason.INVITATION_PENDING,
    'This email has a pending invitation to the project: send it again (resendInvitation) or revoke it',
  );
}

function alreadyMember(): InvitationException {
  return new InvitationException(Reason.ALREADY_MEMBER, 'This user is a member of the project already');
}
