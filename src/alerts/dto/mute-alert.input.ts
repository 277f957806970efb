import { Field, ID, InputType } from '@nestjs/graphql';
import { IsDate } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';

@InputType()
export class MuteAlertInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => Date, { description: 'When the mute ends: in the future, at most 30 days ahead.' })
  @IsDate()
  until!: Date;
}
