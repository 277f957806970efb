import { SetMetadata, applyDecorators } from '@nestjs/common';
import type { Permission } from './permissions';

export const ACCESS_METADATA = 'slipway:access';

/** Where the guard finds the project an operation acts on. */
export type ProjectLocator =
  /** A path in the operation's arguments holding the project id, e.g. `input.projectId` or `id`. */
  | { projectIdArg: string }
  /** A path holding the id of an entity whose project a registered lookup finds, e.g. a role. */
  | { entity: string; idArg: string };

export type AccessDeclaration =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'permission'; permission: Permission; locate: ProjectLocator };

/** Open to anyone, signed in or not. */
export const Public = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'public' } satisfies AccessDeclaration);

/** Open to any signed-in user; the service still checks ownership. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'authenticated' } satisfies AccessDeclaration);

/**
 * Requires `permission` in the project the operation targets. By default the project id is read
 * from `projectId` or `input.projectId`; pass a locator when it comes from elsewhere.
 */
export const RequirePermission = (
  permission: Permission,
  locate: ProjectLocator = { projectIdArg: 'projectId|input.projectId' },
): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_METADATA, { kind: 'permission', permission, locate } satisfies AccessDeclaration));
