import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { EnvTarget, EnvVarType } from '../env-var.schema';
import type { EnvVarView } from '../env-vars.service';

registerEnumType(EnvTarget, { name: 'EnvTarget' });
registerEnumType(EnvVarType, {
  name: 'EnvVarType',
  valuesMap: {
    PLAIN: { description: 'Readable back through the API.' },
    SECRET: { description: 'Written, never read back: only a masked form is shown.' },
  },
});

@ObjectType({ description: 'One variable of a project, for one environment and, optionally, one branch.' })
export class EnvVar {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  projectId!: string;

  @Field()
  key!: string;

  @Field(() => EnvTarget)
  target!: EnvTarget;

  @Field(() => String, { nullable: true })
  branch!: string | null;

  @Field(() => EnvVarType)
  type!: EnvVarType;

  @Field(() => String, { nullable: true, description: 'The value of a PLAIN variable; null for a SECRET.' })
  value!: string | null;

  @Field()
  maskedValue!: string;

  @Field(() => Int, { description: "The project's variables version this value was written in." })
  version!: number;

  @Field()
  updatedAt!: Date;

  static from(view: EnvVarView): EnvVar {
    return Object.assign(new EnvVar(), view);
  }
}

@ObjectType()
export class RejectedEnvLine {
  @Field(() => Int)
  line!: number;

  @Field()
  reason!: string;
}

@ObjectType()
export class EnvImportReport {
  @Field(() => [String], { description: 'Names set, in the order of the text.' })
  imported!: string[];

  @Field(() => [RejectedEnvLine])
  rejected!: RejectedEnvLine[];

  @Field(() => Int, { nullable: true, description: 'The new variables version; null when nothing was imported.' })
  version!: number | null;
}
