import { parseDatabaseHosts } from './database-hosts';

describe('parseDatabaseHosts', () => {
  const pg = 'postgresql://admin:s3cret-pw@10.0.0.5:6543/postgres';

  it('reads each engine with its admin URL, taking the host and port users see from the URL by default', () => {
    const hosts = parseDatabaseHosts(
      JSON.stringify({
        POSTGRESQL: { adminUrl: pg },
        REDIS: { adminUrl: 'redis://default:pw@redis.internal', host: 'db.example.com', port: 6380 },
      }),
    );
    expect(hosts.POSTGRESQL).toEqual({ adminUrl: pg, host: '10.0.0.5', port: 6543 });
    expect(hosts.REDIS).toEqual({ adminUrl: 'redis://default:pw@redis.internal', host: 'db.example.com', port: 6380 });
    expect(hosts.MYSQL).toBeUndefined();
  });

  it('uses the engine default port when the URL has none', () => {
    expect(parseDatabaseHosts(JSON.stringify({ MYSQL: { adminUrl: 'mysql://root:pw@maria' } })).MYSQL?.port).toBe(3306);
    expect(parseDatabaseHosts(JSON.stringify({ MONGODB: { adminUrl: 'mongodb://m' } })).MONGODB?.port).toBe(27017);
  });

  it('is empty when unset', () => {
    expect(parseDatabaseHosts(undefined)).toEqual({});
    expect(parseDatabaseHosts('  ')).toEqual({});
  });

  it.each([
    ['not JSON', '{', /JSON object/],
    ['an array', '[]', /JSON object/],
    ['an unknown engine', JSON.stringify({ ORACLE: { adminUrl: 'x' } }), /unknown engine "ORACLE"/],
    ['a missing admin URL', JSON.stringify({ POSTGRESQL: {} }), /POSTGRESQL.adminUrl must be a connection URL/],
    [
      'a URL of another engine',
      JSON.stringify({ POSTGRESQL: { adminUrl: 'mysql://u:p@h' } }),
      /must start with postgres/,
    ],
    ['an unknown key', JSON.stringify({ REDIS: { adminUrl: 'redis://h', user: 'x' } }), /unknown key "user"/],
    ['a bad port', JSON.stringify({ REDIS: { adminUrl: 'redis://h', port: 70000 } }), /port must be an integer/],
    ['a bad host', JSON.stringify({ REDIS: { adminUrl: 'redis://h', host: 'a b' } }), /host must be a host name/],
  ])('refuses %s, saying why', (_what, raw, message) => {
    expect(() => parseDatabaseHosts(raw)).toThrow(message);
  });

  it('never repeats a URL (it carries the admin password) in its errors', () => {
    const raw = JSON.stringify({ POSTGRESQL: { adminUrl: pg, port: 'x' } });
    expect(() => parseDatabaseHosts(raw)).toThrow(/port/);
    try {
      parseDatabaseHosts(raw);
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret-pw');
    }
    try {
      parseDatabaseHosts(JSON.stringify({ MYSQL: { adminUrl: 'postgresql://admin:s3cret-pw@h' } }));
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret-pw');
    }
  });
});
