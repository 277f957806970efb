import { Types } from 'mongoose';

/** An ObjectId from an id the input validators already accepted. */
export const oid = (id: string): Types.ObjectId => new Types.ObjectId(id);
