import { Matches, type ValidationOptions } from 'class-validator';

/** A 24-hex-digit id, as every stored entity uses. */
export const IsObjectId = (options?: ValidationOptions): PropertyDecorator =>
  Matches(/^[0-9a-fA-F]{24}$/, { message: '$property must be a valid id', ...options });
