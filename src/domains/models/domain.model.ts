import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DomainCheckFailure, DomainStatus, type DomainRecord } from '../domain.schema';
import { CHALLENGE_LABEL } from '../hostname';

registerEnumType(DomainStatus, { name: 'DomainStatus' });
registerEnumType(DomainCheckFailure, {
  name: 'DomainCheckFailure',
  description: "Why a check of a domain's verification record failed.",
});

export enum DnsRecordType {
  TXT = 'TXT',
}
registerEnumType(DnsRecordType, { name: 'DnsRecordType' });

/** The value a domain's TXT record must hold. */
export const verificationValue = (token: string): string => `slipway-verification=${token}`;

@ObjectType({ description: 'The DNS record that proves a project may serve a domain.' })
export class DomainVerificationRecord {
  @Field({ description: "The record's name, e.g. _slipway-challenge.www.example.com" })
  name!: string;

  @Field(() => DnsRecordType)
  type!: DnsRecordType;

  @Field()
  value!: string;
}

@ObjectType({
  description: "A custom domain: a hostname that serves the project's production deployment once verified.",
})
export class Domain {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field({ description: 'ASCII form (IDNs in punycode), lower-case: what DNS and the Host header carry.' })
  hostname!: string;

  @Field({ description: 'The hostname as people read it (IDNs in Unicode).' })
  unicodeHostname!: string;

  @Field(() => DomainStatus)
  status!: DomainStatus;

  @Field(() => DomainVerificationRecord, { description: 'Publish this record, then run verifyDomain.' })
  verificationRecord!: DomainVerificationRecord;

  @Field(() => Date, { nullable: true, description: 'When the domain last became VERIFIED.' })
  verifiedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastCheckedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it is checked again by itself; null when it no longer is.' })
  nextCheckAt!: Date | null;

  @Field(() => DomainCheckFailure, {
    nullable: true,
    description: 'Why the last check failed. On a VERIFIED domain, a warning: it is still served.',
  })
  failureCode!: DomainCheckFailure | null;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => Int, { description: 'Checks in a row that found the record gone or wrong.' })
  consecutiveFailures!: number;

  @Field({ description: "Whether the project's other verified domains redirect here." })
  isPrimary!: boolean;

  @Field()
  createdAt!: Date;

  static from(record: DomainRecord): Domain {
    return Object.assign(new Domain(), {
      id: record._id.toHexString(),
      projectId: record.projectId.toHexString(),
      hostname: record.hostname,
      unicodeHostname: record.unicodeHostname,
      status: record.status,
      verificationRecord: Object.assign(new DomainVerificationRecord(), {
        name: `${CHALLENGE_LABEL}.${record.hostname}`,
        type: DnsRecordType.TXT,
        value: verificationValue(record.token),
      }),
      verifiedAt: record.verifiedAt,
      lastCheckedAt: record.lastCheckedAt,
      nextCheckAt: record.nextCheckAt,
      failureCode: record.failureCode,
      failureReason: record.failureReason,
      consecutiveFailures: record.consecutiveFailures,
      isPrimary: record.primaryOf !== undefined && record.primaryOf !== null,
      createdAt: record.createdAt,
    });
  }
}
