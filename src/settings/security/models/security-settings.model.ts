import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { SecuritySettingsRecord } from '../security-settings.schema';

@ObjectType({ description: "Who may reach a project's resources, from where and how often." })
export class SecuritySettings {
  @Field(() => ID)
  projectId!: string;

  @Field(() => [String], {
    description:
      'Addresses and networks operations on the project may come from, whoever calls; empty: any address. The deployed sites are public and not restricted.',
  })
  ipAllowlist!: string[];

  @Field(() => Int, {
    nullable: true,
    description: "Operations per minute one caller may start on the project; null: the platform's limit.",
  })
  rateLimitPerMinute!: number | null;

  @Field(() => Int, { description: "The limit that applies: the project's own, or the platform's." })
  effectiveRateLimitPerMinute!: number;

  @Field(() => String, {
    nullable: true,
    description: 'The address this request came from, as the allowlist sees it.',
  })
  callerAddress!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the settings last changed; null: never set.' })
  updatedAt!: Date | null;

  static from(
    record: Pick<SecuritySettingsRecord, '_id' | 'ipAllowlist' | 'rateLimitPerMinute'> & { updatedAt?: Date | null },
    platformRateLimit: number,
    callerAddress: string | undefined,
  ): SecuritySettings {
    return Object.assign(new SecuritySettings(), {
      projectId: record._id.toHexString(),
      ipAllowlist: record.ipAllowlist ?? [],
      rateLimitPerMinute: record.rateLimitPerMinute ?? null,
      effectiveRateLimitPerMinute: record.rateLimitPerMinute ?? platformRateLimit,
      callerAddress: callerAddress ?? null,
      updatedAt: record.updatedAt ?? null,
    });
  }
}
