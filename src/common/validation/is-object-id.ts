import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches, type ValidationOptions } from 'class-validator';
import { canonicalId, OBJECT_ID_PATTERN } from '../mongo/object-id';

/** Lower-cases a string that spells an id, leaving anything else for the validator to refuse. */
export const toCanonicalId = ({ value }: { value: unknown }): unknown => canonicalId(value) ?? value;

/** A 24-hex-digit id, as every stored entity uses; the resolver receives its canonical lower-case spelling. */
export const IsObjectId = (options?: ValidationOptions): PropertyDecorator =>
  applyDecorators(
    Transform(toCanonicalId),
    Matches(OBJECT_ID_PATTERN, { message: '$property must be a valid id', ...options }),
  );
