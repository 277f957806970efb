import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';

export enum DomainStatus {
  /** Added; its verification record has not been found yet. */
  PENDING = 'PENDING',
  /** Its verification record was found: the domain serves the project. */
  VERIFIED = 'VERIFIED',
  /** Its last verification failed (see `failureCode`); it does not serve the project. */
  FAILED = 'FAILED',
}

/** Why a check of a domain's verification record failed. */
export enum DomainCheckFailure {
  /** The record's name does not exist (NXDOMAIN). */
  RECORD_NOT_FOUND = 'RECORD_NOT_FOUND',
  /** The name exists but has no TXT record. */
  NO_TXT_RECORD = 'NO_TXT_RECORD',
  /** TXT records exist, none with the expected value. */
  WRONG_VALUE = 'WRONG_VALUE',
  /** The resolver did not answer in time. */
  RESOLVER_TIMEOUT = 'RESOLVER_TIMEOUT',
  /** The resolver could not be reached. */
  RESOLVER_UNREACHABLE = 'RESOLVER_UNREACHABLE',
  /** The resolver answered with an error (SERVFAIL, REFUSED, …). */
  RESOLVER_ERROR = 'RESOLVER_ERROR',
}

/** A hostname a project serves its production deployment on, once DNS proves the project owns it. */
@Schema({ collection: 'domains', versionKey: false, timestamps: { createdAt: true, updatedAt: false } })
export class DomainRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** ASCII (punycode), lower-case, no trailing dot; unique across the platform. */
  @Prop({ required: true })
  hostname!: string;

  @Prop({ required: true })
  unicodeHostname!: string;

  /** The random part of the TXT value the owner publishes. */
  @Prop({ required: true })
  token!: string;

  @Prop({ required: true, enum: DomainStatus })
  status!: DomainStatus;

  /** When the domain last became VERIFIED. */
  @Prop({ type: Date, default: null })
  verifiedAt!: Date | null;

  @Prop({ type: Date, default: null })
  lastCheckedAt!: Date | null;

  /** Why the last check failed; null after a check that found the record. */
  @Prop({ type: String, enum: DomainCheckFailure, default: null })
  failureCode!: DomainCheckFailure | null;

  @Prop({ type: String, default: null })
  failureReason!: string | null;

  /** Checks in a row that found the record gone or wrong (resolver trouble not counted while verified). */
  @Prop({ required: true, default: 0 })
  consecutiveFailures!: number;

  /** When the re-verification job checks the domain next; null when it no longer does. */
  @Prop({ type: Date, default: null })
  nextCheckAt!: Date | null;

  /** Since when the domain has not been verified (its creation, or when it failed); null while verified. */
  @Prop({ type: Date, default: null })
  unverifiedSince!: Date | null;

  /**
   * The project id while the domain is its primary one, absent otherwise: a sparse unique index
   * on it keeps one primary domain per project, even against concurrent changes.
   */
  @Prop({ type: SchemaTypes.ObjectId })
  primaryOf?: Types.ObjectId;

  createdAt!: Date;
}

export const DomainSchema = SchemaFactory.createForClass(DomainRecord);
DomainSchema.index({ hostname: 1 }, { unique: true });
DomainSchema.index({ projectId: 1, _id: 1 });
DomainSchema.index({ primaryOf: 1 }, { unique: true, sparse: true });
DomainSchema.index({ nextCheckAt: 1 });
