import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsObjectId } from '../../../common/validation/is-object-id';
import { MAX_ALLOWLIST_ENTRIES } from '../ip-allowlist';

/** Omitted fields stay as they are. */
@InputType()
export class UpdateSecuritySettingsInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field(() => [String], {
    nullable: true,
    description: `The addresses and networks (CIDR), IPv4 or IPv6, operations on the project may come from, at most ${MAX_ALLOWLIST_ENTRIES}; replaces the list. Empty: any address.`,
  })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsArray({ message: 'ipAllowlist must be a list; send [] to accept any address' })
  @ArrayMaxSize(MAX_ALLOWLIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ipAllowlist?: string[];

  @Field(() => Int, {
    nullable: true,
    description:
      "Operations per minute one caller may start on the project, within the platform's bounds; null: the platform's limit.",
  })
  @ValidateIf((_input: object, value: unknown) => value !== undefined && value !== null)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Store an allowlist even though it leaves out the address this request comes from.',
  })
  @ValidateIf((_input: object, value: unknown) => value !== undefined)
  @IsBoolean()
  confirmLockout?: boolean;
}
