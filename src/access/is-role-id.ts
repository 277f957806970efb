import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches, type ValidationOptions } from 'class-validator';
import { OBJECT_ID_DIGITS } from '../common/mongo/object-id';
import { toCanonicalId } from '../common/validation/is-object-id';
import { BuiltInRole } from './permissions';

const ROLE_ID = new RegExp(`^(${OBJECT_ID_DIGITS}|${Object.values(BuiltInRole).join('|')})$`);

/** A custom role id (canonicalized like any id) or a built-in role key. */
export const IsRoleId = (options?: ValidationOptions): PropertyDecorator =>
  applyDecorators(
    Transform(toCanonicalId),
    Matches(ROLE_ID, {
      message: `$property must be a role id or one of ${Object.values(BuiltInRole).join(', ')}`,
      ...options,
    }),
  );
