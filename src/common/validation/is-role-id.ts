import { Matches, type ValidationOptions } from 'class-validator';

/** A custom role id or a built-in role key. */
export const IsRoleId = (options?: ValidationOptions): PropertyDecorator =>
  Matches(/^([0-9a-fA-F]{24}|owner|admin|developer|viewer)$/, {
    message: '$property must be a role id or one of owner, admin, developer, viewer',
    ...options,
  });
