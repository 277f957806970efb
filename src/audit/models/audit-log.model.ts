import { Field, Float, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from '../../common/graphql/json.scalar';
import { canonicalId } from '../../common/mongo/object-id';
import { AuditLogRecord, AuditOutcome } from '../audit-log.schema';

registerEnumType(AuditOutcome, { name: 'AuditOutcome' });

@ObjectType()
export class AuditLog {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'User id, `token:<id>`, or null for anonymous callers.' })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: "The email of the user behind the actor (a token's owner)." })
  actorEmail!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The user behind the actor: the user itself, or the owner of the API token that acted.',
  })
  actorUserId!: string | null;

  @Field(() => ID, { nullable: true })
  projectId!: string | null;

  @Field({ description: '`mutation.<field>` or `query.<field>`.' })
  operation!: string;

  @Field(() => GraphQLJSON, { description: 'The arguments, with secrets redacted.' })
  arguments!: Record<string, unknown>;

  @Field(() => AuditOutcome)
  outcome!: AuditOutcome;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  @Field(() => String, { nullable: true })
  errorReason!: string | null;

  @Field(() => Float)
  durationMs!: number;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field()
  occurredAt!: Date;

  static from(record: AuditLogRecord): AuditLog {
    return Object.assign(new AuditLog(), {
      id: record._id.toHexString(),
      actorId: record.actorId,
      actorEmail: record.actorEmail,
      // Entries written before the field existed were all users' own.
      actorUserId: record.actorUserId ?? canonicalId(record.actorId) ?? null,
      projectId: record.projectId,
      operation: record.operation,
      arguments: record.arguments,
      outcome: record.outcome,
      errorCode: record.errorCode,
      errorReason: record.errorReason,
      durationMs: record.durationMs,
      ip: record.ip,
      userAgent: record.userAgent,
      occurredAt: record.occurredAt,
    });
  }
}
