import { Types } from 'mongoose';
import { DatabaseException, DatabaseExceptionReason } from './database.exception';
import { checkDatabaseName, newDatabasePassword, redisKeyPrefix, scrub, serverNames } from './database-names';
import { checkParams } from './query-console.service';

function refusal(run: () => unknown): DatabaseException {
  try {
    run();
  } catch (error) {
    if (error instanceof DatabaseException) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('checkDatabaseName', () => {
  it.each(['a', 'orders', 'orders-2024', 'a1', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(checkDatabaseName(name)).toBe(name);
  });

  it.each(['', 'x'.repeat(64), 'Orders', '1orders', '-orders', 'orders-', '../x', 'my_db', 'a b', 'é', 'db\n'])(
    'refuses %j with INVALID_DATABASE_NAME',
    (name) => {
      const error = refusal(() => checkDatabaseName(name));
      expect(error.reason).toBe(DatabaseExceptionReason.INVALID_DATABASE_NAME);
      expect(error.code).toBe('BAD_USER_INPUT');
    },
  );
});

describe('server names', () => {
  it('are the platform own, from the id, within 32 characters', () => {
    const id = new Types.ObjectId('0123456789abcdef01234567');
    expect(serverNames(id)).toEqual({
      databaseName: 'db_0123456789abcdef01234567',
      username: 'u_0123456789abcdef01234567',
    });
    expect(serverNames(id).databaseName.length).toBeLessThanOrEqual(32);
    expect(redisKeyPrefix('db_0123456789abcdef01234567')).toBe('db_0123456789abcdef01234567:');
  });

  it('makes passwords of 32 base64url characters, each new', () => {
    const a = newDatabasePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newDatabasePassword()).not.toBe(a);
  });
});

describe('scrub', () => {
  const adminUrl = 'postgres://admin:s3cr%2Ft@127.0.0.1:5432/postgres';

  it('removes the admin URL whole, and its password alone, encoded or not', () => {
    expect(scrub(`connect to ${adminUrl} failed`, [adminUrl])).toBe('connect to [redacted] failed');
    expect(scrub('password s3cr/t refused', [adminUrl])).toBe('password [redacted] refused');
    expect(scrub('password s3cr%2Ft refused', [adminUrl])).toBe('password [redacted] refused');
  });

  it('removes a database password and the credentials of any URL', () => {
    const password = newDatabasePassword();
    expect(scrub(`role u_1 password '${password}'`, [password])).toBe("role u_1 password '[redacted]'");
    expect(scrub('at mysql://someone:else@db:3306/x', [])).toBe('at mysql://[redacted]@db:3306/x');
  });

  it('leaves other text alone', () => {
    expect(scrub('relation "orders" does not exist', ['postgres://a:b@h/db', undefined, null])).toBe(
      'relation "orders" does not exist',
    );
  });
});

describe('checkParams', () => {
  it('accepts strings, finite numbers and booleans', () => {
    expect(checkParams(['a', 1, 2.5, true, false, ''])).toEqual(['a', 1, 2.5, true, false, '']);
  });

  it.each([[[{ a: 1 }]], [[[1]]], [[null]], [[Number.NaN]], [['ok', undefined]]])(
    'refuses %j with INVALID_QUERY',
    (params) => {
      expect(refusal(() => checkParams(params)).reason).toBe(DatabaseExceptionReason.INVALID_QUERY);
    },
  );
});
