import { Logger } from '@nestjs/common';
import type { ResourceLocator } from '../../access/resource-locator';
import { loadConfig } from '../../config/app-config';
import { InvitationsModule } from './invitations.module';
import type { InvitationsService } from './invitations.service';

const ENV = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/slipway',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'a-production-secret-of-at-least-32-chars',
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

describe('InvitationsModule at boot', () => {
  const warnings = (env: Record<string, string>): string[] => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const locator = { register: () => undefined } as unknown as ResourceLocator;
      new InvitationsModule(locator, {} as InvitationsService, loadConfig({ ...ENV, ...env })).onModuleInit();
      return warn.mock.calls.map((call) => String(call[0]));
    } finally {
      warn.mockRestore();
    }
  };

  it('warns in production when invitation links would point at the development address', () => {
    expect(warnings({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('INVITATION_LINK_BASE is not set')]);
  });

  it('says nothing once INVITATION_LINK_BASE is set, or outside production', () => {
    expect(
      warnings({ NODE_ENV: 'production', INVITATION_LINK_BASE: 'https://app.example.com/invitations/accept?token=' }),
    ).toEqual([]);
    expect(warnings({ NODE_ENV: 'development' })).toEqual([]);
  });
});
