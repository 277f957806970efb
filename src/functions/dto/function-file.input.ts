import { Field, InputType } from '@nestjs/graphql';
import { IsString, Matches, MaxLength } from 'class-validator';

@InputType()
export class FunctionFileInput {
  @Field({ description: 'A relative path such as index.mjs or lib/util.py.' })
  @IsString()
  @MaxLength(255)
  @Matches(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/]+$/, {
    message: 'path must be relative, of letters, digits, ".", "_", "-" and "/", without "." or ".." parts',
  })
  path!: string;

  @Field({ description: "The file's text." })
  @IsString()
  content!: string;
}
