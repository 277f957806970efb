import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'A runtime functions can be written for, and whether this platform has it.' })
export class FunctionRuntimeInfo {
  @Field({ description: 'nodejs20, python3.11, go1.21, …' })
  id!: string;

  @Field({ description: 'nodejs, python, go or ruby.' })
  language!: string;

  @Field(() => Boolean, { description: 'One the platform promises, rather than one this host adds.' })
  promised!: boolean;

  @Field(() => Boolean)
  available!: boolean;

  @Field(() => String, { nullable: true, description: 'The exact version installed.' })
  version!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it is not available.' })
  reason!: string | null;
}
