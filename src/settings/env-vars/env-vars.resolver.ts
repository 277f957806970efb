import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequirePermission } from '../../access/access.decorators';
import { AuditSecretArgs } from '../../audit/audit-project.decorator';
import { Ctx } from '../../common/context/ctx.decorator';
import type { RequestContext } from '../../common/context/request-context';
import { DeleteEnvVarInput } from './dto/delete-env-var.input';
import { EnvVarsArgs, ExportEnvVarsArgs } from './dto/env-vars.args';
import { ImportEnvVarsInput } from './dto/import-env-vars.input';
import { SetEnvVarInput } from './dto/set-env-var.input';
import { EnvVarsService } from './env-vars.service';
import { EnvImportReport, EnvVar } from './models/env-var.model';

const BY_INPUT_PROJECT = { projectIdArg: 'input.projectId' } as const;

@Resolver(() => EnvVar)
export class EnvVarsResolver {
  constructor(private readonly service: EnvVarsService) {}

  @Query(() => [EnvVar], { description: "A project's variables, by name; secrets masked." })
  @RequirePermission('env:read')
  async envVars(@Args() args: EnvVarsArgs): Promise<EnvVar[]> {
    return (await this.service.list(args.projectId, args.target)).map((view) => EnvVar.from(view));
  }

  @Mutation(() => [EnvVar], { description: 'Sets a variable for the given environments (all when none).' })
  @RequirePermission('env:update', BY_INPUT_PROJECT)
  @AuditSecretArgs('input.value')
  async setEnvVar(@Ctx() ctx: RequestContext, @Args('input') input: SetEnvVarInput): Promise<EnvVar[]> {
    return (await this.service.set(ctx, input)).map((view) => EnvVar.from(view));
  }

  @Mutation(() => Int, { description: 'Removes a variable from the given environments; says how many values went.' })
  @RequirePermission('env:delete', BY_INPUT_PROJECT)
  deleteEnvVar(@Ctx() ctx: RequestContext, @Args('input') input: DeleteEnvVarInput): Promise<number> {
    return this.service.delete(ctx, input);
  }

  @Mutation(() => EnvImportReport, {
    description: 'Sets every variable of a dotenv text; lines that cannot be read are reported by number.',
  })
  @RequirePermission('env:update', BY_INPUT_PROJECT)
  @AuditSecretArgs('input.content')
  importEnvVars(@Ctx() ctx: RequestContext, @Args('input') input: ImportEnvVarsInput): Promise<EnvImportReport> {
    return this.service.import(ctx, input);
  }

  @Query(() => String, { description: "One environment's PLAIN variables as dotenv text; secrets are left out." })
  @RequirePermission('env:read')
  exportEnvVars(@Args() args: ExportEnvVarsArgs): Promise<string> {
    return this.service.export(args.projectId, args.target, args.branch);
  }
}
