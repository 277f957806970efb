import { Module, type OnModuleInit } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../access/access.module';
import { AuthModule } from '../auth/auth.module';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { ApiTokenUsageRecord, ApiTokenUsageSchema } from './api-token-usage.schema';
import { ApiTokenUsageService } from './api-token-usage.service';
import { ApiTokenRecord, ApiTokenSchema } from './api-token.schema';
import { ApiTokenVerifier } from './api-token.verifier';
import { ApiTokensResolver } from './api-tokens.resolver';
import { ApiTokensService } from './api-tokens.service';
import { ProjectTokensListener } from './listeners/project-tokens.listener';

@Module({
  imports: [
    AuthModule,
    AccessModule,
    MongooseModule.forFeature([
      { name: ApiTokenRecord.name, schema: ApiTokenSchema },
      { name: ApiTokenUsageRecord.name, schema: ApiTokenUsageSchema },
    ]),
  ],
  providers: [ApiTokensService, ApiTokenUsageService, ApiTokenVerifier, ApiTokensResolver, ProjectTokensListener],
  exports: [ApiTokensService],
})
export class TokensModule implements OnModuleInit {
  constructor(
    private readonly authenticator: RequestAuthenticator,
    private readonly verifier: ApiTokenVerifier,
  ) {}

  /** API tokens authenticate HTTP requests and WebSocket connections from here on. */
  onModuleInit(): void {
    this.authenticator.register(this.verifier);
  }
}
