import { Prop } from '@nestjs/mongoose';
import type { Schema } from 'mongoose';

/**
 * The one shape of a record that ends by itself (a role assignment, a grant, a session, an
 * invitation, a token): an `expiresAt` date, null meaning "never" unless the record must end.
 * Reads filter with {@link activeAt}, so an ended record stops counting the moment it ends;
 * a maintenance job deletes ended records with {@link endedAt} when their end must be announced.
 */
export interface Expiring {
  expiresAt: Date | null;
}

/** Declares `expiresAt`: optional (null = never) unless `required`. */
export function ExpiresAtProp(options: { required?: boolean } = {}): PropertyDecorator {
  return options.required ? Prop({ type: Date, required: true }) : Prop({ type: Date, default: null });
}

/** Indexes `expiresAt`, for the maintenance job that looks for ended records. */
export function indexExpiry(schema: Schema): void {
  schema.index({ expiresAt: 1 });
}

/** Filter for records that have not ended at `now`. */
export function activeAt(now: Date): { $or: Record<string, unknown>[] } {
  return { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

/** Filter for records that ended at or before `now`. */
export function endedAt(now: Date): { expiresAt: { $ne: null; $lte: Date } } {
  return { expiresAt: { $ne: null, $lte: now } };
}

/** The earliest end among records, Infinity when none ends: how long a result computed from them holds. */
export function earliestEnd(records: readonly Expiring[]): number {
  return Math.min(Infinity, ...records.map((r) => (r.expiresAt ? r.expiresAt.getTime() : Infinity)));
}
