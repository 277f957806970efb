import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { InvitationStatus, type InvitationRecord } from '../invitation.schema';

registerEnumType(InvitationStatus, {
  name: 'InvitationStatus',
  description: 'PENDING until accepted, declined, revoked, or past its expiresAt (then EXPIRED).',
});

@ObjectType({ description: 'An email invited to hold a role in a project. Its link token is only ever in the email.' })
export class Invitation {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  email!: string;

  @Field(() => ID, { description: 'The role offered: a built-in role key or a custom role id.' })
  roleId!: string;

  @Field(() => InvitationStatus)
  status!: InvitationStatus;

  @Field(() => ID, {
    description: 'Who invited, or last sent the invitation again; the role is granted in their name.',
  })
  invitedBy!: string;

  @Field({ description: 'When the link stops working.' })
  expiresAt!: Date;

  @Field({ description: 'When the email was last sent (the invitation, or a resend).' })
  lastSentAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The user who accepted, once accepted.' })
  acceptedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it stopped being pending.' })
  endedAt!: Date | null;

  @Field()
  createdAt!: Date;

  static from(record: InvitationRecord, now = new Date()): Invitation {
    const expired = record.status === InvitationStatus.PENDING && record.expiresAt.getTime() <= now.getTime();
    return Object.assign(new Invitation(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      email: record.email,
      roleId: record.roleId,
      // Past its end it is expired at once, before the sweep records it.
      status: expired ? InvitationStatus.EXPIRED : record.status,
      invitedBy: record.invitedBy,
      expiresAt: record.expiresAt,
      lastSentAt: record.lastSentAt,
      acceptedBy: record.acceptedBy,
      endedAt: expired ? record.expiresAt : record.endedAt,
      createdAt: record.createdAt,
    });
  }
}
