import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EncryptionService } from './encryption.service';
import { KeyRotationService } from './key-rotation.service';
import { RotationCheckpointRecord, RotationCheckpointSchema } from './rotation-checkpoint.schema';

/** Encryption of secrets at rest, for every feature. */
@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: RotationCheckpointRecord.name, schema: RotationCheckpointSchema }])],
  providers: [EncryptionService, KeyRotationService],
  exports: [EncryptionService, KeyRotationService],
})
export class CryptoModule {}
