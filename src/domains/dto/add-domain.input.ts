import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class AddDomainInput {
  @Field(() => ID)
  @IsObjectId()
  projectId!: string;

  @Field({ description: 'e.g. www.example.com or an IDN such as bücher.example; no scheme, port or path.' })
  @IsString()
  // Generous for an IDN typed in Unicode; the hostname rules then hold its ASCII form to 253.
  @MaxLength(300)
  hostname!: string;
}
