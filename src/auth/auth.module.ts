import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { AccessTokenVerifier } from './credentials/access-token.verifier';
import { jwtKey } from './credentials/jwt-key';
import { JwtStrategy } from './credentials/jwt.strategy';
import { RequestAuthenticator } from './request-authenticator';
import { SessionRecord, SessionSchema } from './session.schema';
import { SessionsService } from './sessions.service';
import { UserRecord, UserSchema } from './user.schema';
import { UsersService } from './users.service';

@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ secret: jwtKey(config.jwtSecret) as unknown as string }),
    }),
    MongooseModule.forFeature([
      { name: UserRecord.name, schema: UserSchema },
      { name: SessionRecord.name, schema: SessionSchema },
    ]),
  ],
  providers: [
    AuthService,
    UsersService,
    SessionsService,
    AuthResolver,
    JwtStrategy,
    AccessTokenVerifier,
    RequestAuthenticator,
  ],
  exports: [RequestAuthenticator, UsersService, AuthService],
})
export class AuthModule {}
