import { DatabaseException, DatabaseExceptionReason } from '../database.exception';
import { adminSecrets, failureCode, failureReason } from './failure-reason';

describe('failureReason', () => {
  it('masks the given secrets and the credentials of URLs', () => {
    const error = new Error(
      'connect to postgresql://u_abc:s3cr3t-pass@10.0.0.5:5432/db_x failed; auth with s3cr3t-pass refused; password=hunter22',
    );
    const reason = failureReason(error, ['s3cr3t-pass']);
    expect(reason).not.toContain('s3cr3t-pass');
    expect(reason).not.toContain('hunter22');
    expect(reason).not.toContain('u_abc');
    expect(reason).toContain('postgresql://***@10.0.0.5:5432/db_x');
  });

  it("masks where the operator's admin server is, as client programs name it", () => {
    const secrets = adminSecrets('postgresql://admin:Adm1nPass@10.0.0.5:5432/postgres');
    const reason = failureReason(
      new Error(
        'pg_dump: error: connection to server at "10.0.0.5", port 5432 failed: FATAL: database "db_x" does not exist; ' +
          "mariadb: Can't connect to server on '10.0.0.5:5432'; as admin:Adm1nPass",
      ),
      secrets,
    );
    expect(reason).not.toContain('10.0.0.5');
    expect(reason).not.toContain('5432');
    expect(reason).not.toContain('Adm1nPass');
    expect(reason).toContain('database "db_x" does not exist');
    expect(adminSecrets(undefined)).toEqual([]);
  });

  it('shortens long messages and names an empty one', () => {
    expect(failureReason(new Error('x'.repeat(2_000)))).toHaveLength(500);
    expect(failureReason(new Error(''))).toBe('unknown error');
  });

  it('gives the reason of a platform error only', () => {
    expect(failureCode(new DatabaseException(DatabaseExceptionReason.BACKUP_CORRUPT, 'bad'))).toBe('BACKUP_CORRUPT');
    expect(failureCode(new Error('boom'))).toBeNull();
  });
});
