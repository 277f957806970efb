import { Types, type Connection } from 'mongoose';

/**
 * Writes `count` role assignments that expired a minute ago straight into the database, so that
 * the access expiry job has enough to do to be still running when a test stops its process.
 */
export async function insertExpiredAssignments(connection: Connection, count: number): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  await connection.collection('role_assignments').insertMany(
    Array.from({ length: count }, () => ({
      projectId: new Types.ObjectId(),
      userId: new Types.ObjectId(),
      roleId: 'viewer',
      expiresAt: past,
      grantedBy: null,
      createdAt: past,
      updatedAt: past,
    })),
  );
}
