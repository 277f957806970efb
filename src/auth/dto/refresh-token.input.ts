import { Field, InputType } from '@nestjs/graphql';
import { IsString, MaxLength, MinLength } from 'class-validator';

@InputType()
export class RefreshTokenInput {
  @Field()
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  refreshToken!: string;
}
