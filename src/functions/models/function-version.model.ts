import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { FunctionVersionRecord } from '../function-version.schema';

@ObjectType()
export class FunctionFile {
  @Field()
  path!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field({ description: "The file's text." })
  content!: string;
}

@ObjectType({ description: "An immutable state of a function's code." })
export class FunctionVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  functionId!: string;

  @Field(() => Int)
  number!: number;

  @Field({ description: 'SHA-256 of the runtime, the handler and the files: equal code, equal hash.' })
  hash!: string;

  @Field()
  runtime!: string;

  @Field()
  handler!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => [FunctionFile])
  files!: FunctionFile[];

  @Field(() => Boolean, { description: 'Whether it is the version invocations run.' })
  active!: boolean;

  @Field(() => String, { nullable: true })
  createdBy!: string | null;

  @Field()
  createdAt!: Date;

  static from(record: FunctionVersionRecord, activeVersionId: string | null): FunctionVersion {
    const id = record._id.toHexString();
    return Object.assign(new FunctionVersion(), {
      id,
      functionId: record.functionId.toHexString(),
      number: record.number,
      hash: record.hash,
      runtime: record.runtime,
      handler: record.handler,
      sizeBytes: record.sizeBytes,
      files: record.files.map((file) =>
        Object.assign(new FunctionFile(), {
          path: file.path,
          content: file.content,
          sizeBytes: Buffer.byteLength(file.content),
        }),
      ),
      active: id === activeVersionId,
      createdBy: record.createdBy,
      createdAt: record.createdAt,
    });
  }
}
