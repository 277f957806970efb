import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated } from '../access/access.decorators';
import { AuditProjectFrom } from '../audit/audit-project.decorator';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { ConnectionType } from '../common/pagination/connection';
import { ApiTokensService } from './api-tokens.service';
import { ApiTokenRefInput } from './dto/api-token-ref.input';
import { ApiTokenUsageArgs } from './dto/api-token-usage.args';
import { ApiTokensArgs } from './dto/api-tokens.args';
import { CreateApiTokenInput } from './dto/create-api-token.input';
import { RotateApiTokenInput } from './dto/rotate-api-token.input';
import { UpdateApiTokenScopesInput } from './dto/update-api-token-scopes.input';
import { ApiToken } from './models/api-token.model';
import { ApiTokenSecret } from './models/api-token-secret.model';
import { ApiTokenUsage } from './models/api-token-usage.model';

const ApiTokenConnection = ConnectionType(ApiToken);

/**
 * API tokens. Every operation is open to signed-in callers and decides in the service: a project
 * token is that project's resource (token:create / read / update / delete / rotate there), an
 * account-wide one its owner's alone. The mutations take a user's sign-in: the access guard
 * refuses them to API tokens, so a leaked token cannot mint or keep others.
 */
@Resolver(() => ApiToken)
export class ApiTokensResolver {
  constructor(private readonly service: ApiTokensService) {}

  @Mutation(() => ApiTokenSecret, {
    description:
      'Creates an API token and returns its secret, this once. With projectId it acts only there and needs token:create there and every scope it is given.',
  })
  @Authenticated()
  @AuditProjectFrom('projectId')
  createApiToken(@Ctx() ctx: RequestContext, @Args('input') input: CreateApiTokenInput): Promise<ApiTokenSecret> {
    return this.service.create(ctx, input);
  }

  @Query(() => ApiTokenConnection, {
    description: "The caller's own tokens, or a project's (token:read there), newest first. Never their secrets.",
  })
  @Authenticated()
  apiTokens(@Ctx() ctx: RequestContext, @Args() args: ApiTokensArgs) {
    return this.service.list(ctx, args);
  }

  @Mutation(() => ApiToken, {
    description:
      'Revokes a token at once, everywhere: its owner, or token:delete in its project. Revoking twice is harmless.',
  })
  @Authenticated()
  revokeApiToken(@Ctx() ctx: RequestContext, @Args('input') input: ApiTokenRefInput): Promise<ApiToken> {
    return this.service.revoke(ctx, input.id);
  }

  @Mutation(() => ApiTokenSecret, {
    description:
      'Gives a token a new secret, returned this once; the current one keeps working for gracePeriodSeconds. Its owner only.',
  })
  @Authenticated()
  @AuditProjectFrom('projectId')
  rotateApiToken(@Ctx() ctx: RequestContext, @Args('input') input: RotateApiTokenInput): Promise<ApiTokenSecret> {
    return this.service.rotate(ctx, input);
  }

  @Mutation(() => ApiToken, {
    description:
      "Replaces a token's scopes, effective at once. Its owner only, holding every new scope in its project.",
  })
  @Authenticated()
  updateApiTokenScopes(@Ctx() ctx: RequestContext, @Args('input') input: UpdateApiTokenScopesInput): Promise<ApiToken> {
    return this.service.updateScopes(ctx, input);
  }

  @Query(() => ApiTokenUsage, {
    description: 'When and from where a token was last used, and how many requests it made per UTC day.',
  })
  @Authenticated()
  apiTokenUsage(@Ctx() ctx: RequestContext, @Args() args: ApiTokenUsageArgs): Promise<ApiTokenUsage> {
    return this.service.usageOf(ctx, args);
  }
}
