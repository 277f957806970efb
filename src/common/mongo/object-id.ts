import { Types } from 'mongoose';

/** The 24 hex digits of a stored entity's id, in either case, to build patterns with. */
export const OBJECT_ID_DIGITS = '[0-9a-fA-F]{24}';

/** An id and nothing else. */
export const OBJECT_ID_PATTERN = new RegExp(`^${OBJECT_ID_DIGITS}$`);

/** True when `value` spells an id. */
export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_PATTERN.test(value);
}

/**
 * The one spelling of an id (lower-case hex), or null when `value` is not one. Ids are
 * normalized where they enter (input validators, the access guard); past that edge every id is
 * canonical, so cache keys, event triggers and stored references compare as strings.
 */
export function canonicalId(value: unknown): string | null {
  return isObjectId(value) ? value.toLowerCase() : null;
}

/** The ObjectId of an id that was validated at the edge. */
export function toObjectId(id: string): Types.ObjectId {
  return new Types.ObjectId(id);
}

/** A fresh id, for records whose id is chosen before they are written. */
export function newObjectId(): Types.ObjectId {
  return new Types.ObjectId();
}
