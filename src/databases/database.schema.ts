import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, type Types } from 'mongoose';
import { DATABASE_ENGINES, type DatabaseEngineName } from '../config/database-hosts';

export enum DatabaseStatus {
  /** Being created on its engine's server (a job). */
  PROVISIONING = 'PROVISIONING',
  /** Created: it can be connected to, queried, backed up and restored. */
  AVAILABLE = 'AVAILABLE',
  /** Creating it failed (see failureReason); nothing of it was left on the server. */
  FAILED = 'FAILED',
  /** Being dropped from its server (a job); the record goes once it is. */
  DELETING = 'DELETING',
}

/** A managed database: one isolated database with its own user on its engine's server. */
@Schema({ collection: 'databases', versionKey: false, timestamps: true })
export class DatabaseRecord {
  _id!: Types.ObjectId;

  @Prop({ type: SchemaTypes.ObjectId, required: true })
  projectId!: Types.ObjectId;

  /** The name users gave it, unique in the project. */
  @Prop({ required: true })
  name!: string;

  @Prop({ type: String, required: true, enum: DATABASE_ENGINES })
  engine!: DatabaseEngineName;

  @Prop({ type: String, required: true, enum: DatabaseStatus })
  status!: DatabaseStatus;

  /** The database's name on the server (`db_<id>`). */
  @Prop({ required: true })
  databaseName!: string;

  /** Its user's name on the server (`u_<id>`). */
  @Prop({ required: true })
  username!: string;

  /** Its user's password, encrypted with the platform key ring. */
  @Prop({ required: true })
  passwordEncrypted!: string;

  /**
   * During a rotation, the new password (encrypted), stored before the server is given it: while
   * it is set, the server holds either it or `passwordEncrypted`, and the next use of the
   * database gives the server this one and makes it the password (docs/databases.md#credentials).
   */
  @Prop({ type: String, default: null })
  pendingPasswordEncrypted!: string | null;

  /**
   * Until when a rotation holds its credentials: meanwhile another rotation is refused and nothing
   * else settles its pending password, so that no slower request gives the server an older one.
   */
  @Prop({ type: Date, default: null })
  rotationLeaseUntil!: Date | null;

  /** Why provisioning (or deletion) failed, for its owner to read; never holds a credential. */
  @Prop({ type: String, default: null })
  failureReason!: string | null;

  /**
   * While DELETING, the name users gave it: `name` is then `~deleted-<id>`, so that the name is free
   * for a new database at once, however long the drop takes.
   */
  @Prop({ type: String, default: null })
  deletedName!: string | null;

  /** What it was when its deletion was asked for (a FAILED database has nothing on its server). */
  @Prop({ type: String, default: null })
  statusBeforeDeletion!: DatabaseStatus | null;

  /**
   * Who is provisioning it now: a token the provisioning run holding the lease chose. Only that
   * run touches the server; another run (a job Bull re-ran) leaves it alone until the lease expires.
   */
  @Prop({ type: String, default: null })
  leaseOwner!: string | null;

  /** When the provisioning lease ends unless its holder renews it. */
  @Prop({ type: Date, default: null })
  leaseExpiresAt!: Date | null;

  /**
   * Whether a failed provisioning could not drop what it had made: deleting it then drops it from
   * the server (and stays DELETING while it cannot) instead of forgetting it.
   */
  @Prop({ type: Boolean, default: false })
  cleanupPending!: boolean;

  /** When the sweeper may queue its job again (it backs off while a host stays down). */
  @Prop({ type: Date, default: null })
  nextAttemptAt!: Date | null;

  /** How many times the sweeper has queued its job again, for its back-off. */
  @Prop({ type: Number, default: 0 })
  sweepAttempts!: number;

  /** Who created it (a user id or `token:<id>`). */
  @Prop({ type: String, default: null })
  createdBy!: string | null;

  /** When its credentials were last rotated. */
  @Prop({ type: Date, default: null })
  credentialsRotatedAt!: Date | null;

  createdAt!: Date;
  updatedAt!: Date;
}

export const DatabaseSchema = SchemaFactory.createForClass(DatabaseRecord);
DatabaseSchema.index({ projectId: 1, name: 1 }, { unique: true });
DatabaseSchema.index({ projectId: 1, createdAt: -1 });
DatabaseSchema.index({ status: 1, nextAttemptAt: 1 });
