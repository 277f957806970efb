import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type HydratedDocument, type Types } from 'mongoose';
import { ExpiresAtProp, indexExpiry } from '../../common/mongo/expiry';

export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}

/** How many earlier tokens of a resent invitation are remembered, to say why they no longer work. */
export const REMEMBERED_TOKENS = 20;

/**
 * An email invited to hold a role in a project. Only the SHA-256 of its link token is stored; a
 * resend replaces it and keeps the old hashes, so an old link is told it was superseded.
 */
@Schema({ collection: 'invitations', timestamps: true })
export class InvitationRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** Normalized: trimmed, lower-case. */
  @Prop({ required: true })
  email!: string;

  /** A built-in role key or a custom role's id. */
  @Prop({ required: true })
  roleId!: string;

  /** The user who invited (or last resent); the role is granted in their name. */
  @Prop({ required: true })
  invitedBy!: string;

  @Prop({ required: true })
  tokenHash!: string;

  @Prop({ type: [String], default: [] })
  previousTokenHashes!: string[];

  @Prop({ type: String, enum: Object.values(InvitationStatus), default: InvitationStatus.PENDING })
  status!: InvitationStatus;

  /**
   * `projectId:email` while PENDING, unset otherwise: its sparse unique index allows one pending
   * invitation per email and project (a partial index is not enforced alike everywhere).
   */
  @Prop({ type: String })
  pendingKey?: string;

  @ExpiresAtProp({ required: true })
  expiresAt!: Date;

  @Prop({ type: Date, required: true })
  lastSentAt!: Date;

  /** When the invitation stopped being pending (accepted, declined, revoked, expired). */
  @Prop({ type: Date, default: null })
  endedAt!: Date | null;

  /**
   * When MongoDB removes the ended invitation (its TTL index): INVITATION_RETENTION_DAYS after
   * `endedAt`; null while it is pending.
   */
  @Prop({ type: Date, default: null })
  purgeAt!: Date | null;

  @Prop({ type: String, default: null })
  acceptedBy!: string | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export type InvitationDocument = HydratedDocument<InvitationRecord>;
export const InvitationSchema = SchemaFactory.createForClass(InvitationRecord);
InvitationSchema.index({ tokenHash: 1 }, { unique: true });
InvitationSchema.index({ previousTokenHashes: 1 });
// One pending invitation per email and project; inviting again while it is pending is refused.
InvitationSchema.index({ pendingKey: 1 }, { unique: true, sparse: true });
InvitationSchema.index({ projectId: 1, status: 1 });
InvitationSchema.index({ projectId: 1, email: 1 });
// MongoDB removes ended invitations, emails and token hashes included, at purgeAt.
InvitationSchema.index({ purgeAt: 1 }, { expireAfterSeconds: 0 });

/** The value of `pendingKey` while an invitation is pending. */
export function pendingKeyOf(projectId: string, email: string): string {
  return `${projectId}:${email}`;
}
indexExpiry(InvitationSchema);
