import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import { EncryptionService } from '../common/crypto/encryption.service';
import { WebhookRecord } from './webhook.schema';

/** What the encryption calls a webhook's signing secret. */
const PURPOSE = 'webhooks.secret';

/**
 * Webhook signing secrets: `whsec_` and 32 random bytes in base64, as Standard Webhooks writes
 * them, encrypted at rest with the platform key ring (and re-encrypted by key rotation).
 */
@Injectable()
export class WebhookSecretsService {
  constructor(
    private readonly encryption: EncryptionService,
    @InjectModel(WebhookRecord.name) webhooks: Model<WebhookRecord>,
  ) {
    encryption.register({ name: 'webhooks.secret', model: webhooks, field: 'secret', purpose: PURPOSE });
    encryption.register({
      name: 'webhooks.previousSecret',
      model: webhooks,
      field: 'previousSecret',
      purpose: PURPOSE,
    });
  }

  /** A new secret: its plaintext (shown once) and what is stored. */
  generate(): { secret: string; sealed: string } {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return { secret, sealed: this.encryption.encrypt(secret, PURPOSE) };
  }

  /** The secrets a delivery made at `at` is signed with: the current one, and the previous one during its grace. */
  signingSecrets(hook: WebhookRecord, at: Date): string[] {
    const secrets = [this.encryption.decrypt(hook.secret, PURPOSE)];
    if (hook.previousSecret && hook.previousSecretUntil && hook.previousSecretUntil > at) {
      secrets.push(this.encryption.decrypt(hook.previousSecret, PURPOSE));
    }
    return secrets;
  }
}
