import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { HttpAuthenticator } from './http-authenticator';
import { jwtKey } from './jwt-key';
import { JwtStrategy } from './jwt.strategy';
import { SessionRecord, SessionSchema } from './session.schema';
import { UserRecord, UserSchema } from './user.schema';

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
  providers: [AuthService, AuthResolver, JwtStrategy, HttpAuthenticator],
  exports: [AuthService, HttpAuthenticator, MongooseModule],
})
export class AuthModule {}
