import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AccessModule } from '../../access/access.module';
import { EnvVarRecord, EnvVarSchema, EnvVarVersionRecord, EnvVarVersionSchema } from './env-var.schema';
import { EnvVarsResolver } from './env-vars.resolver';
import { EnvVarsService } from './env-vars.service';
import { EnvVarsListener } from './env-vars.listener';

/** Environment variables of projects, encrypted at rest; builds and functions read them from here. */
@Module({
  imports: [
    AccessModule,
    MongooseModule.forFeature([
      { name: EnvVarRecord.name, schema: EnvVarSchema },
      { name: EnvVarVersionRecord.name, schema: EnvVarVersionSchema },
    ]),
  ],
  providers: [EnvVarsService, EnvVarsResolver, EnvVarsListener],
  exports: [EnvVarsService],
})
export class EnvVarsModule {}
