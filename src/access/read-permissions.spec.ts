import type { Permission } from './permissions';
import { hiddenTypes, mayRead, readPermissionOf } from './read-permissions';

describe('read permissions of event families', () => {
  it('reads each family with its own read permission, and any other with project:read', () => {
    expect(
      [
        'member',
        'invitation',
        'env',
        'token',
        'role',
        'webhook',
        'alert',
        'database',
        'build',
        'project',
        'added_later',
      ].map(readPermissionOf),
    ).toEqual([
      'member:read',
      'member:read',
      'env:read',
      'token:read',
      'role:read',
      'webhook:read',
      'alert:read',
      'database:read',
      'project:read',
      'project:read',
      'project:read',
    ]);
  });

  it('hides from a caller the families they may not read', () => {
    const viewer = new Set<Permission>(['project:read', 'member:read', 'webhook:read']);

    expect(hiddenTypes(viewer).sort()).toEqual(['alert', 'database', 'env', 'role', 'token']);
    expect(mayRead('invitation', viewer)).toBe(true);
    expect(mayRead('env', viewer)).toBe(false);
    expect(mayRead('constructor', viewer)).toBe(true);
  });
});
