import { Field, ID, InputType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDate,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { MAX_SCOPES } from '../token-scopes';

export const MAX_TOKEN_NAME = 100;
export const MAX_SCOPE_LENGTH = 60;

@InputType()
export class CreateApiTokenInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Restricts the token to this project. Omit for an account-wide token (personal to its owner).',
  })
  @IsOptional()
  @IsObjectId()
  projectId?: string;

  @Field({ description: `What the token is for, 1 to ${MAX_TOKEN_NAME} characters.` })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_TOKEN_NAME)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field(() => [String], {
    description:
      'Permissions of the catalogue (`build:create`) or every action of a resource (`build:*`). The token never does more than its owner holds.',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SCOPES)
  @IsString({ each: true })
  @MaxLength(MAX_SCOPE_LENGTH, { each: true })
  scopes!: string[];

  @Field(() => Date, { nullable: true, description: 'When the token stops working by itself. Omit for no end.' })
  @IsOptional()
  @IsDate()
  expiresAt?: Date;
}
