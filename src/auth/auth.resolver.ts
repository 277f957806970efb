import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Authenticated, Public } from '../access/access.decorators';
import { Ctx } from '../common/context/ctx.decorator';
import type { RequestContext } from '../common/context/request-context';
import { AuthService } from './auth.service';
import { AuthPayload } from './models/auth-payload.model';
import { LoginInput } from './dto/login.input';
import { RefreshTokenInput } from './dto/refresh-token.input';
import { RegisterInput } from './dto/register.input';
import { User } from './models/user.model';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayload, { description: 'Creates an account and signs it in.' })
  @Public()
  register(@Ctx() ctx: RequestContext, @Args('input') input: RegisterInput): Promise<AuthPayload> {
    return this.auth.register(ctx, input);
  }

  @Mutation(() => AuthPayload)
  @Public()
  login(@Ctx() ctx: RequestContext, @Args('input') input: LoginInput): Promise<AuthPayload> {
    return this.auth.login(ctx, input);
  }

  @Mutation(() => AuthPayload, { description: 'Trades a refresh token for new tokens; the old one stops working.' })
  @Public()
  refreshToken(@Ctx() ctx: RequestContext, @Args('input') input: RefreshTokenInput): Promise<AuthPayload> {
    return this.auth.refresh(ctx, input.refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Ends the current session everywhere its tokens are used.' })
  @Authenticated()
  logout(@Ctx() ctx: RequestContext): Promise<boolean> {
    return this.auth.logout(ctx);
  }

  @Query(() => User)
  @Authenticated()
  me(@Ctx() ctx: RequestContext): Promise<User> {
    return this.auth.me(ctx);
  }
}
