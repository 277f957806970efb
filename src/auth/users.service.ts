import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/mongo/mongo-errors';
import { toObjectId } from '../common/mongo/object-id';
import { AuthException, AuthExceptionReason } from './auth.exception';
import { UserRecord } from './user.schema';

/** Accounts. Other features reach users through this service, never through the collection. */
@Injectable()
export class UsersService {
  constructor(@InjectModel(UserRecord.name) private readonly users: Model<UserRecord>) {}

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(toObjectId(id)).lean<UserRecord>().exec();
  }

  /** The accounts with these ids that exist, by id. */
  async findMany(ids: readonly string[]): Promise<Map<string, UserRecord>> {
    if (ids.length === 0) return new Map();
    const records = await this.users
      .find({ _id: { $in: ids.map((id) => toObjectId(id)) } })
      .lean<UserRecord[]>()
      .exec();
    return new Map(records.map((record) => [record._id.toHexString(), record]));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.users.exists({ _id: toObjectId(id) }).exec()) !== null;
  }

  async emailTaken(email: string): Promise<boolean> {
    return (await this.users.exists({ email }).exec()) !== null;
  }

  /** The id of the account with this (normalized) email; null when there is none. */
  async idByEmail(email: string): Promise<string | null> {
    const found = await this.users.findOne({ email }).select('_id').lean<Pick<UserRecord, '_id'>>().exec();
    return found ? found._id.toHexString() : null;
  }

  /** The account with this (normalized) email, with its password hash; null when there is none. */
  findForSignIn(email: string): Promise<UserRecord | null> {
    return this.users.findOne({ email }).select('+passwordHash').lean<UserRecord>().exec();
  }

  async create(fields: Pick<UserRecord, 'email' | 'name' | 'passwordHash'>): Promise<UserRecord> {
    try {
      return (await this.users.create(fields)).toObject();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw emailTaken();
      throw error;
    }
  }
}

export function emailTaken(): AuthException {
  return new AuthException(AuthExceptionReason.EMAIL_TAKEN, 'An account with this email already exists');
}
