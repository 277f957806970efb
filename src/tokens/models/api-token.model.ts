import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { ApiTokenRecord } from '../api-token.schema';

export enum ApiTokenStatus {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

registerEnumType(ApiTokenStatus, { name: 'ApiTokenStatus' });

/** An API token as its owner and its project's admins see it: never its secret. */
@ObjectType()
export class ApiToken {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => ID, { nullable: true, description: 'The one project the token may act in; null when account-wide.' })
  projectId!: string | null;

  @Field(() => ID, { description: 'The user the token acts for.' })
  ownerId!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field({ description: 'The start of the current secret (`slw_` and 8 characters), to recognise it by.' })
  displayPrefix!: string;

  @Field(() => ApiTokenStatus)
  status!: ApiTokenStatus;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  rotatedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'While a secret replaced by rotation still works: when the last of them stops.',
  })
  previousSecretValidUntil!: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => String, { nullable: true })
  lastUsedIp!: string | null;

  @Field()
  createdAt!: Date;

  static from(record: ApiTokenRecord, now = new Date()): ApiToken {
    const graceEnds = record.previousSecrets.map((s) => s.until.getTime()).filter((t) => t > now.getTime());
    return Object.assign(new ApiToken(), {
      id: record._id.toHexString(),
      name: record.name,
      projectId: record.projectId?.toHexString() ?? null,
      ownerId: record.ownerId.toHexString(),
      scopes: record.scopes,
      displayPrefix: record.displayPrefix,
      status: record.revokedAt
        ? ApiTokenStatus.REVOKED
        : record.expiresAt && record.expiresAt <= now
          ? ApiTokenStatus.EXPIRED
          : ApiTokenStatus.ACTIVE,
      expiresAt: record.expiresAt,
      revokedAt: record.revokedAt,
      rotatedAt: record.rotatedAt,
      previousSecretValidUntil: record.revokedAt || graceEnds.length === 0 ? null : new Date(Math.max(...graceEnds)),
      lastUsedAt: record.lastUsedAt,
      lastUsedIp: record.lastUsedIp,
      createdAt: record.createdAt,
    });
  }
}
