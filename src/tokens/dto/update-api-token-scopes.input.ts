import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, IsString, MaxLength } from 'class-validator';
import { IsObjectId } from '../../common/validation/is-object-id';
import { MAX_SCOPES } from '../token-scopes';
import { MAX_SCOPE_LENGTH } from './create-api-token.input';

@InputType()
export class UpdateApiTokenScopesInput {
  @Field(() => ID)
  @IsObjectId()
  id!: string;

  @Field(() => [String], { description: 'The new scopes, replacing the old ones.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_SCOPES)
  @IsString({ each: true })
  @MaxLength(MAX_SCOPE_LENGTH, { each: true })
  scopes!: string[];
}
