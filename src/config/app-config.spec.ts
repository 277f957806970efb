import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppConfig, CONFIG_KEYS, ConfigValidationError, loadConfig } from './app-config';

const MINIMAL = { MONGODB_URI: 'mongodb://127.0.0.1:27017/slipway', REDIS_URL: 'redis://127.0.0.1:6379' };
const PRODUCTION_SECRET = 'a-production-secret-of-at-least-32-chars';
const PRODUCTION_KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The error loadConfig throws for `env`; fails the test when it throws nothing or something else. */
function configErrorOf(env: Record<string, string | undefined>): ConfigValidationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('fills in defaults from a minimal environment', () => {
    const sut = loadConfig(MINIMAL);

    expect(sut).toBeInstanceOf(AppConfig);
    expect(sut.NODE_ENV).toBe('development');
    expect(sut.PROCESS_ROLE).toBe('all');
    expect(sut.runsApi).toBe(true);
    expect(sut.runsWorkers).toBe(true);
    expect(sut.PORT).toBe(3000);
    expect(sut.HOST).toBe('0.0.0.0');
    expect(sut.REDIS_PREFIX).toBe('slipway');
    expect(sut.JWT_ACCESS_TTL_SECONDS).toBe(900);
    expect(sut.LOGIN_ATTEMPTS_PER_MINUTE).toBe(10);
    expect(sut.CORS_ORIGINS).toEqual([]);
    expect(sut.ideEnabled).toBe(true);
    expect(sut.isProduction).toBe(false);
    expect(sut.MONGODB_URI).toBe(MINIMAL.MONGODB_URI);
  });

  it('turns numeric, boolean and list strings into typed values and treats empty strings as unset', () => {
    const sut = loadConfig({
      ...MINIMAL,
      PORT: ' 8080 ',
      LOGIN_ATTEMPTS_PER_MINUTE: '3',
      GRAPHQL_IDE: 'off',
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      JWT_ACCESS_TTL_SECONDS: '',
    });

    expect(sut.PORT).toBe(8080);
    expect(sut.LOGIN_ATTEMPTS_PER_MINUTE).toBe(3);
    expect(sut.GRAPHQL_IDE).toBe(false);
    expect(sut.ideEnabled).toBe(false);
    expect(sut.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(sut.JWT_ACCESS_TTL_SECONDS).toBe(900);
  });

  it('reads every key the class declares, with or without a default', () => {
    const withDefaults = Object.keys(new AppConfig());
    const withoutDefaults = [
      'MONGODB_URI',
      'REDIS_URL',
      'JWT_SECRET',
      'GRAPHQL_IDE',
      'GRAPHQL_FIELD_SUGGESTIONS',
      'GRAPHQL_PLAYGROUND',
    ];

    expect([...CONFIG_KEYS].sort()).toEqual([...new Set([...withDefaults, ...withoutDefaults])].sort());
    const sut = loadConfig({
      ...MINIMAL,
      GRAPHQL_IDE: 'off',
      JWT_SECRET: PRODUCTION_SECRET,
      ENCRYPTION_KEYS: PRODUCTION_KEYS,
    });
    expect(sut.GRAPHQL_IDE).toBe(false);
    expect(sut.JWT_SECRET).toBe(PRODUCTION_SECRET);
  });

  it('bounds the live-stream re-check interval', () => {
    expect(loadConfig({ ...MINIMAL, LIVE_STREAM_RECHECK_SECONDS: '2' }).LIVE_STREAM_RECHECK_SECONDS).toBe(2);
    for (const bad of ['0', '301', 'soon']) {
      expect(configErrorOf({ ...MINIMAL, LIVE_STREAM_RECHECK_SECONDS: bad }).keys).toEqual([
        'LIVE_STREAM_RECHECK_SECONDS',
      ]);
    }
  });

  it('limits sign-in per account and address, with looser per-account and per-address limits', () => {
    const defaults = loadConfig(MINIMAL);
    expect([
      defaults.LOGIN_ATTEMPTS_PER_MINUTE,
      defaults.LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT,
      defaults.LOGIN_ATTEMPTS_PER_MINUTE_PER_IP,
    ]).toEqual([10, 100, 50]);
    const set = loadConfig({ ...MINIMAL, LOGIN_ATTEMPTS_PER_MINUTE: '5', LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT: '5' });
    expect(set.LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT).toBe(5);
    for (const bad of ['0', 'many', '100001']) {
      expect(configErrorOf({ ...MINIMAL, LOGIN_ATTEMPTS_PER_MINUTE_PER_IP: bad }).keys).toEqual([
        'LOGIN_ATTEMPTS_PER_MINUTE_PER_IP',
      ]);
    }
  });

  it('refuses a per-account ceiling tighter than the per-address limit under it', () => {
    const error = configErrorOf({
      ...MINIMAL,
      LOGIN_ATTEMPTS_PER_MINUTE: '20',
      LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT: '19',
    });

    expect(error.keys).toEqual(['LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT']);
    expect(error.message).toContain(
      'LOGIN_ATTEMPTS_PER_MINUTE_PER_ACCOUNT must not be less than LOGIN_ATTEMPTS_PER_MINUTE',
    );
    // A limit that is not a number is reported alone, not as the ceiling's fault as well.
    expect(configErrorOf({ ...MINIMAL, LOGIN_ATTEMPTS_PER_MINUTE: 'ten' }).keys).toEqual(['LOGIN_ATTEMPTS_PER_MINUTE']);
  });

  it('reads DNS resolvers as addresses with optional ports, and refuses anything else', () => {
    expect(loadConfig(MINIMAL).DNS_RESOLVERS).toEqual([]);
    expect(
      loadConfig({ ...MINIMAL, DNS_RESOLVERS: '192.0.2.53, 127.0.0.1:5353, 2001:db8::53, [2001:db8::53]:53' })
        .DNS_RESOLVERS,
    ).toEqual(['192.0.2.53', '127.0.0.1:5353', '2001:db8::53', '[2001:db8::53]:53']);
    for (const bad of ['dns.example.com', '127.0.0.1:0', '127.0.0.1:70000', '2001:db8::53:53x', '[192.0.2.1]:53']) {
      expect(configErrorOf({ ...MINIMAL, DNS_RESOLVERS: bad }).keys).toEqual(['DNS_RESOLVERS']);
    }
  });

  it('reads the database hosts at boot, and refuses a bad one without repeating its admin URL', () => {
    const adminUrl = 'postgresql://postgres:hunter2-admin@10.1.2.3:5432/postgres';
    const config = loadConfig({ ...MINIMAL, DATABASE_HOSTS: JSON.stringify({ POSTGRESQL: { adminUrl } }) });
    expect(config.databaseHosts.POSTGRESQL).toEqual({ adminUrl, host: '10.1.2.3', port: 5432 });
    expect(config.databaseBackupsDir).toBe('.data/storage/backups');

    const error = configErrorOf({ ...MINIMAL, DATABASE_HOSTS: JSON.stringify({ POSTGRESQL: { adminUrl, port: 0 } }) });
    expect(error.keys).toEqual(['DATABASE_HOSTS']);
    expect(error.message).toContain('POSTGRESQL.port must be an integer');
    expect(error.message).not.toContain('hunter2-admin');
  });

  it('reads the platform domains lower-cased, without trailing dots', () => {
    expect(loadConfig(MINIMAL).PLATFORM_DOMAINS).toEqual(['slipway.app', 'localhost']);
    expect(loadConfig({ ...MINIMAL, PLATFORM_DOMAINS: 'Sites.Example.COM., localhost' }).PLATFORM_DOMAINS).toEqual([
      'sites.example.com',
      'localhost',
    ]);
    expect(configErrorOf({ ...MINIMAL, PLATFORM_DOMAINS: 'https://example.com' }).keys).toEqual(['PLATFORM_DOMAINS']);
  });

  it('reads the trusted proxies at boot, naming an entry it cannot read', () => {
    const sut = loadConfig({ ...MINIMAL, TRUST_PROXY: '10.0.0.0/8, loopback' });
    expect([sut.proxyTrust('10.1.1.1', 0), sut.proxyTrust('::1', 0), sut.proxyTrust('192.0.2.1', 0)]).toEqual([
      true,
      true,
      false,
    ]);

    const error = configErrorOf({ ...MINIMAL, TRUST_PROXY: 'loopback, my-proxy' });
    expect(error.keys).toEqual(['TRUST_PROXY']);
    expect(error.message).toContain('"my-proxy"');
  });

  it('ignores variables it does not know', () => {
    const sut = loadConfig({ ...MINIMAL, HOME: '/root', SOME_OTHER_SECRET: 'x', PORT: '4000' });

    expect(sut.PORT).toBe(4000);
    expect(Object.keys(sut)).not.toContain('SOME_OTHER_SECRET');
  });

  it.each([
    ['api', true, false],
    ['worker', false, true],
    ['all', true, true],
  ])('PROCESS_ROLE=%s runs the API: %s, workers: %s', (role, api, workers) => {
    const sut = loadConfig({ ...MINIMAL, PROCESS_ROLE: role });

    expect(sut.runsApi).toBe(api);
    expect(sut.runsWorkers).toBe(workers);
  });

  describe('the GraphQL IDE', () => {
    it('is off in production by default', () => {
      const sut = loadConfig({
        ...MINIMAL,
        NODE_ENV: 'production',
        JWT_SECRET: PRODUCTION_SECRET,
        ENCRYPTION_KEYS: PRODUCTION_KEYS,
      });

      expect(sut.isProduction).toBe(true);
      expect(sut.ideEnabled).toBe(false);
    });

    it('is on in production when GRAPHQL_IDE=true', () => {
      const sut = loadConfig({
        ...MINIMAL,
        NODE_ENV: 'production',
        JWT_SECRET: PRODUCTION_SECRET,
        ENCRYPTION_KEYS: PRODUCTION_KEYS,
        GRAPHQL_IDE: 'true',
      });

      expect(sut.ideEnabled).toBe(true);
    });

    it('is on in development and test by default', () => {
      expect(loadConfig({ ...MINIMAL, NODE_ENV: 'development' }).ideEnabled).toBe(true);
      expect(loadConfig({ ...MINIMAL, NODE_ENV: 'test' }).ideEnabled).toBe(true);
    });
  });

  describe('GraphQL Playground', () => {
    const production = {
      ...MINIMAL,
      NODE_ENV: 'production',
      JWT_SECRET: PRODUCTION_SECRET,
      ENCRYPTION_KEYS: PRODUCTION_KEYS,
    };

    it('is on in development and test by default', () => {
      expect(loadConfig({ ...MINIMAL, NODE_ENV: 'development' }).playgroundEnabled).toBe(true);
      expect(loadConfig({ ...MINIMAL, NODE_ENV: 'test' }).playgroundEnabled).toBe(true);
      expect(loadConfig(MINIMAL).GRAPHQL_PLAYGROUND).toBeUndefined();
    });

    it('is off in production by default', () => {
      expect(loadConfig(production).playgroundEnabled).toBe(false);
    });

    it.each([
      ['on', true],
      ['true', true],
      ['off', false],
      ['false', false],
    ])('reads GRAPHQL_PLAYGROUND=%s', (value, enabled) => {
      expect(loadConfig({ ...MINIMAL, GRAPHQL_PLAYGROUND: value }).playgroundEnabled).toBe(enabled);
      expect(loadConfig({ ...production, GRAPHQL_PLAYGROUND: value }).playgroundEnabled).toBe(enabled);
    });

    it('is set apart from the IDE', () => {
      const sut = loadConfig({ ...production, GRAPHQL_PLAYGROUND: 'on' });
      expect(sut.playgroundEnabled).toBe(true);
      expect(sut.ideEnabled).toBe(false);
      expect(loadConfig({ ...MINIMAL, GRAPHQL_IDE: 'off' }).playgroundEnabled).toBe(true);
    });

    it('turns introspection and field suggestions on in production, which it needs for its schema', () => {
      expect(loadConfig(production).introspectionEnabled).toBe(false);
      const on = loadConfig({ ...production, GRAPHQL_PLAYGROUND: 'on' });
      expect(on.introspectionEnabled).toBe(true);
      expect(on.fieldSuggestionsEnabled).toBe(true);
    });

    it('rejects values other than on, off, true and false', () => {
      expect(configErrorOf({ ...MINIMAL, GRAPHQL_PLAYGROUND: 'maybe' }).keys).toEqual(['GRAPHQL_PLAYGROUND']);
    });
  });

  describe('limits on GraphQL documents and on what users own', () => {
    it('has defaults for a public platform API', () => {
      const sut = loadConfig(MINIMAL);

      expect({
        depth: sut.GRAPHQL_MAX_DEPTH,
        aliases: sut.GRAPHQL_MAX_ALIASES,
        tokens: sut.GRAPHQL_MAX_TOKENS,
        directives: sut.GRAPHQL_MAX_DIRECTIVES,
        cost: sut.GRAPHQL_MAX_COST,
        listItems: sut.GRAPHQL_MAX_LIST_ITEMS,
        projects: sut.PROJECTS_PER_USER,
      }).toEqual({
        depth: 12,
        aliases: 15,
        tokens: 1000,
        directives: 50,
        cost: 20_000,
        listItems: 1000,
        projects: 100,
      });
    });

    it.each([
      ['GRAPHQL_MAX_DEPTH', '1', '51', 20],
      ['GRAPHQL_MAX_ALIASES', '0', '1001', 40],
      ['GRAPHQL_MAX_TOKENS', '199', '100001', 5000],
      ['GRAPHQL_MAX_DIRECTIVES', '0', '1001', 10],
      ['GRAPHQL_MAX_COST', '99', '10000001', 50_000],
      // At least one full page must fit.
      ['GRAPHQL_MAX_LIST_ITEMS', '99', '1000001', 100],
      ['PROJECTS_PER_USER', '0', '1000001', 3],
    ])('bounds %s (refusing %s and %s)', (key, tooLow, tooHigh, fine) => {
      for (const bad of [tooLow, tooHigh, 'lots']) {
        expect(configErrorOf({ ...MINIMAL, [key]: bad }).keys).toEqual([key]);
      }
      expect(loadConfig({ ...MINIMAL, [key]: String(fine) })[key as keyof AppConfig]).toBe(fine);
    });

    it('suggests field names in errors where introspection shows them anyway, unless told', () => {
      const production = {
        ...MINIMAL,
        NODE_ENV: 'production',
        JWT_SECRET: PRODUCTION_SECRET,
        ENCRYPTION_KEYS: PRODUCTION_KEYS,
      };

      expect(loadConfig(MINIMAL).fieldSuggestionsEnabled).toBe(true);
      expect(loadConfig(production).fieldSuggestionsEnabled).toBe(false);
      expect(loadConfig({ ...production, GRAPHQL_IDE: 'on' }).fieldSuggestionsEnabled).toBe(true);
      expect(loadConfig({ ...MINIMAL, GRAPHQL_FIELD_SUGGESTIONS: 'off' }).fieldSuggestionsEnabled).toBe(false);
      expect(loadConfig({ ...production, GRAPHQL_FIELD_SUGGESTIONS: 'on' }).fieldSuggestionsEnabled).toBe(true);
    });
  });

  describe("the platform's bounds on project settings", () => {
    it('default to bounds a shared platform can hold', () => {
      const sut = loadConfig(MINIMAL);

      expect({
        buildTimeout: sut.LIMIT_BUILD_TIMEOUT_SECONDS_MAX,
        buildMemory: sut.LIMIT_BUILD_MEMORY_MB_MAX,
        functionTimeout: sut.LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX,
        functionMemory: sut.LIMIT_FUNCTION_MEMORY_MB_MAX,
        concurrentBuilds: sut.LIMIT_CONCURRENT_BUILDS_MAX,
        warmInstances: sut.LIMIT_WARM_INSTANCES_MAX,
        targetConcurrency: sut.LIMIT_TARGET_CONCURRENCY_MAX,
      }).toEqual({
        buildTimeout: 7200,
        buildMemory: 8192,
        functionTimeout: 900,
        functionMemory: 4096,
        concurrentBuilds: 20,
        warmInstances: 10,
        targetConcurrency: 1000,
      });
    });

    // Each bound is at least the smallest value a project may set, so no setting is left without a valid value.
    it.each([
      ['LIMIT_BUILD_TIMEOUT_SECONDS_MAX', '9', '86401', 600],
      ['LIMIT_BUILD_MEMORY_MB_MAX', '127', '1048577', 512],
      ['LIMIT_FUNCTION_TIMEOUT_SECONDS_MAX', '0', '86401', 60],
      ['LIMIT_FUNCTION_MEMORY_MB_MAX', '127', '1048577', 256],
      ['LIMIT_CONCURRENT_BUILDS_MAX', '0', '1001', 3],
      ['LIMIT_WARM_INSTANCES_MAX', '0', '10001', 2],
      ['LIMIT_TARGET_CONCURRENCY_MAX', '0', '100001', 50],
    ])('bounds %s (refusing %s and %s)', (key, tooLow, tooHigh, fine) => {
      for (const bad of [tooLow, tooHigh, 'plenty']) {
        expect(configErrorOf({ ...MINIMAL, [key]: bad }).keys).toEqual([key]);
      }
      expect(loadConfig({ ...MINIMAL, [key]: String(fine) })[key as keyof AppConfig]).toBe(fine);
    });
  });

  describe('JWT secret', () => {
    it('uses the development secret when none is set outside production', () => {
      const sut = loadConfig(MINIMAL);

      expect(sut.JWT_SECRET).toBeUndefined();
      expect(sut.jwtSecret.length).toBeGreaterThanOrEqual(32);
    });

    it('uses JWT_SECRET when it is set', () => {
      expect(
        loadConfig({ ...MINIMAL, JWT_SECRET: PRODUCTION_SECRET, ENCRYPTION_KEYS: PRODUCTION_KEYS }).jwtSecret,
      ).toBe(PRODUCTION_SECRET);
    });

    it('is required in production', () => {
      const error = configErrorOf({ ...MINIMAL, NODE_ENV: 'production', ENCRYPTION_KEYS: PRODUCTION_KEYS });

      expect(error.keys).toEqual(['JWT_SECRET']);
    });

    it('is checked for length even in development once it is set', () => {
      expect(configErrorOf({ ...MINIMAL, JWT_SECRET: 'short' }).keys).toEqual(['JWT_SECRET']);
    });
  });

  describe('queue dashboard', () => {
    const PASSWORD = 'operator-Pa55word-4e9b';

    it('is off by default, for the user operator, and not read-only', () => {
      const sut = loadConfig(MINIMAL);

      expect(sut.QUEUE_DASHBOARD).toBe('off');
      expect(sut.queueDashboardEnabled).toBe(false);
      expect(sut.QUEUE_DASHBOARD_USER).toBe('operator');
      expect(sut.QUEUE_DASHBOARD_PASSWORD).toBeUndefined();
      expect(sut.QUEUE_DASHBOARD_READ_ONLY).toBe('off');
      expect(sut.QUEUE_DASHBOARD_FAILED_SIGN_INS).toBe(10);
    });

    it('takes a whole number of failed sign-ins from 1 to 100000, and nothing else', () => {
      expect(loadConfig({ ...MINIMAL, QUEUE_DASHBOARD_FAILED_SIGN_INS: '3' }).QUEUE_DASHBOARD_FAILED_SIGN_INS).toBe(3);
      for (const bad of ['0', '-1', '100001', '2.5', 'many']) {
        expect(configErrorOf({ ...MINIMAL, QUEUE_DASHBOARD_FAILED_SIGN_INS: bad }).keys).toEqual([
          'QUEUE_DASHBOARD_FAILED_SIGN_INS',
        ]);
      }
    });

    it('is served by API processes only, once on with a password', () => {
      const on = { ...MINIMAL, QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: PASSWORD };

      expect(loadConfig(on).queueDashboardEnabled).toBe(true);
      expect(loadConfig({ ...on, PROCESS_ROLE: 'api' }).queueDashboardEnabled).toBe(true);
      expect(loadConfig({ ...on, PROCESS_ROLE: 'worker' }).queueDashboardEnabled).toBe(false);
      expect(loadConfig({ ...on, QUEUE_DASHBOARD_READ_ONLY: 'on' }).QUEUE_DASHBOARD_READ_ONLY).toBe('on');
      expect(configErrorOf({ ...on, QUEUE_DASHBOARD: 'maybe' }).keys).toEqual(['QUEUE_DASHBOARD']);
      expect(configErrorOf({ ...on, QUEUE_DASHBOARD_READ_ONLY: 'sometimes' }).keys).toEqual([
        'QUEUE_DASHBOARD_READ_ONLY',
      ]);
    });

    it.each([
      ['on', 'on'],
      ['ON', 'on'],
      ['true', 'on'],
      ['True', 'on'],
      [' yes ', 'on'],
      ['1', 'on'],
      ['off', 'off'],
      ['OFF', 'off'],
      ['false', 'off'],
      ['FALSE', 'off'],
      ['no', 'off'],
      ['0', 'off'],
    ])('reads QUEUE_DASHBOARD and QUEUE_DASHBOARD_READ_ONLY=%s as GRAPHQL_PLAYGROUND is read', (value, read) => {
      const sut = loadConfig({
        ...MINIMAL,
        QUEUE_DASHBOARD: value,
        QUEUE_DASHBOARD_PASSWORD: PASSWORD,
        QUEUE_DASHBOARD_READ_ONLY: value,
      });

      expect(sut.QUEUE_DASHBOARD).toBe(read);
      expect(sut.QUEUE_DASHBOARD_READ_ONLY).toBe(read);
      expect(sut.queueDashboardEnabled).toBe(read === 'on');
      expect(loadConfig({ ...MINIMAL, GRAPHQL_PLAYGROUND: value }).playgroundEnabled).toBe(read === 'on');
    });

    it('lets a worker start with it on and no password: workers never serve it', () => {
      for (const password of [undefined, 'short']) {
        const sut = loadConfig({
          ...MINIMAL,
          PROCESS_ROLE: 'worker',
          QUEUE_DASHBOARD: 'on',
          QUEUE_DASHBOARD_PASSWORD: password,
        });

        expect(sut.QUEUE_DASHBOARD).toBe('on');
        expect(sut.queueDashboardEnabled).toBe(false);
      }
      for (const role of ['api', 'all']) {
        expect(configErrorOf({ ...MINIMAL, PROCESS_ROLE: role, QUEUE_DASHBOARD: 'on' }).keys).toEqual([
          'QUEUE_DASHBOARD_PASSWORD',
        ]);
      }
    });

    it('refuses to be on without a password, naming the key', () => {
      for (const password of [undefined, '']) {
        const error = configErrorOf({ ...MINIMAL, QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: password });

        expect(error.keys).toEqual(['QUEUE_DASHBOARD_PASSWORD']);
        expect(error.message).toBe(
          'Invalid configuration (QUEUE_DASHBOARD_PASSWORD):\n' +
            '  - QUEUE_DASHBOARD_PASSWORD: QUEUE_DASHBOARD_PASSWORD is required when QUEUE_DASHBOARD is on',
        );
      }
    });

    it('refuses a password shorter than 16 characters without repeating it', () => {
      const short = 'Pa55-w0rd-15chr';
      const error = configErrorOf({ ...MINIMAL, QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: short });

      expect(error.keys).toEqual(['QUEUE_DASHBOARD_PASSWORD']);
      expect(error.message).toContain('QUEUE_DASHBOARD_PASSWORD must be at least 16 characters');
      expect(error.message).not.toContain(short);
      expect(String(error.stack)).not.toContain(short);
      expect(JSON.stringify(error)).not.toContain(short);
      expect(
        loadConfig({ ...MINIMAL, QUEUE_DASHBOARD: 'on', QUEUE_DASHBOARD_PASSWORD: `${short}x` })
          .QUEUE_DASHBOARD_PASSWORD,
      ).toBe(`${short}x`);
    });

    it('checks a password that is set even while the dashboard is off', () => {
      expect(configErrorOf({ ...MINIMAL, QUEUE_DASHBOARD_PASSWORD: 'short' }).keys).toEqual([
        'QUEUE_DASHBOARD_PASSWORD',
      ]);
    });

    it('takes a user name HTTP Basic can carry', () => {
      expect(loadConfig({ ...MINIMAL, QUEUE_DASHBOARD_USER: 'ops-team' }).QUEUE_DASHBOARD_USER).toBe('ops-team');
      for (const bad of ['ops:team', 'ops team']) {
        const error = configErrorOf({ ...MINIMAL, QUEUE_DASHBOARD_USER: bad });

        expect(error.keys).toEqual(['QUEUE_DASHBOARD_USER']);
        expect(error.message).not.toContain(bad);
      }
    });
  });

  describe('encryption keys', () => {
    it('are required in production, and checked wherever they are set', () => {
      expect(configErrorOf({ ...MINIMAL, NODE_ENV: 'production', JWT_SECRET: PRODUCTION_SECRET }).keys).toEqual([
        'ENCRYPTION_KEYS',
      ]);
      expect(configErrorOf({ ...MINIMAL, ENCRYPTION_KEYS: 'k1:short' }).keys).toEqual(['ENCRYPTION_KEYS']);
      const error = configErrorOf({ ...MINIMAL, ENCRYPTION_KEYS: PRODUCTION_KEYS, ENCRYPTION_KEY_CURRENT: 'k2' });
      expect(error.message).toContain('the current key k2 is not in the ring');
      expect(loadConfig({ ...MINIMAL }).ENCRYPTION_KEYS).toBeUndefined();
    });
  });

  describe('invalid configuration', () => {
    it('reports every offending key in one error', () => {
      const error = configErrorOf({
        REDIS_URL: MINIMAL.REDIS_URL,
        PORT: 'abc',
        PROCESS_ROLE: 'boss',
        NODE_ENV: 'production',
      });

      expect(error).toBeInstanceOf(ConfigValidationError);
      expect(error.name).toBe('ConfigValidationError');
      expect([...error.keys].sort()).toEqual(['ENCRYPTION_KEYS', 'JWT_SECRET', 'MONGODB_URI', 'PORT', 'PROCESS_ROLE']);
      for (const key of ['PORT', 'PROCESS_ROLE', 'MONGODB_URI', 'JWT_SECRET']) {
        expect(error.message).toContain(key);
      }
      // Valid keys are not blamed.
      expect(error.message).not.toMatch(/REDIS_URL|NODE_ENV/);
    });

    it('tells a value that is not a number only that it must be one', () => {
      const error = configErrorOf({ ...MINIMAL, PORT: 'abc' });

      expect(error.message).toMatch(/^ {2}- PORT: PORT must be an integer number$/m);
      expect(error.message).not.toMatch(/greater|less/);
    });

    it('names each key once, with what is wrong', () => {
      const error = configErrorOf({ ...MINIMAL, PORT: '70000', LOGIN_ATTEMPTS_PER_MINUTE: '0', LOG_LEVEL: 'loud' });

      expect([...error.keys].sort()).toEqual(['LOGIN_ATTEMPTS_PER_MINUTE', 'LOG_LEVEL', 'PORT']);
      expect(error.message).toMatch(/PORT: .*65535/);
      expect(error.message).toMatch(/LOGIN_ATTEMPTS_PER_MINUTE: .*1/);
      expect(error.message.match(/^ {2}- PORT:/gm)).toHaveLength(1);
    });

    it.each([
      ['PORT', '3000.5'],
      ['PORT', '-1'],
      ['PROCESS_ROLE', 'API'],
      ['NODE_ENV', 'staging'],
      ['GRAPHQL_IDE', 'maybe'],
      ['REDIS_PREFIX', 'has spaces'],
      ['JWT_ACCESS_TTL_SECONDS', '5'],
      ['MONGODB_URI', 'postgres://db/slipway'],
      ['REDIS_URL', 'http://cache:6379'],
    ])('rejects %s=%s', (key, value) => {
      expect(configErrorOf({ ...MINIMAL, [key]: value }).keys).toEqual([key]);
    });

    it('keeps webhook events longer than their deliveries are retried', () => {
      // The default schedule spans about 75.6 hours, 90.7 with every pause a fifth longer.
      expect(loadConfig(MINIMAL).WEBHOOK_RETENTION_DAYS).toBe(30);
      expect(loadConfig({ ...MINIMAL, WEBHOOK_RETENTION_DAYS: '4' }).webhookRetentionMs).toBe(4 * 86_400_000);
      const error = configErrorOf({ ...MINIMAL, WEBHOOK_RETENTION_DAYS: '3' });
      expect(error.keys).toEqual(['WEBHOOK_RETENTION_DAYS']);
      expect(error.message).toContain('WEBHOOK_RETRY_SCHEDULE');
      expect(
        loadConfig({ ...MINIMAL, WEBHOOK_RETENTION_DAYS: '1', WEBHOOK_RETRY_SCHEDULE: '1m,1h' }).WEBHOOK_RETENTION_DAYS,
      ).toBe(1);
      expect(
        configErrorOf({ ...MINIMAL, WEBHOOK_RETENTION_DAYS: '1', WEBHOOK_RETRY_SCHEDULE: '12h,12h' }).keys,
      ).toEqual(['WEBHOOK_RETENTION_DAYS']);
      expect(configErrorOf({ ...MINIMAL, WEBHOOK_RETENTION_DAYS: '0' }).keys).toEqual(['WEBHOOK_RETENTION_DAYS']);
    });

    it('does not echo secret values in the message', () => {
      const jwtSecret = 'tooShortJwtSecret-9f3a';
      const mongoPassword = 'm0ngo-Pa55word-7c1e';
      const redisPassword = 'r3dis-Pa55word-44d0';
      const shortKey = Buffer.from('a sixteen-byte k').toString('base64');
      const error = configErrorOf({
        NODE_ENV: 'production',
        JWT_SECRET: jwtSecret,
        ENCRYPTION_KEYS: `k1:${shortKey}`,
        MONGODB_URI: `postgres://admin:${mongoPassword}@db.internal/slipway`,
        REDIS_URL: `http://:${redisPassword}@cache.internal:6379`,
      });

      expect([...error.keys].sort()).toEqual(['ENCRYPTION_KEYS', 'JWT_SECRET', 'MONGODB_URI', 'REDIS_URL']);
      expect(error.message).toContain('key k1 is not 32 bytes');
      for (const secret of [jwtSecret, mongoPassword, redisPassword, shortKey]) {
        expect(error.message).not.toContain(secret);
        expect(String(error.stack)).not.toContain(secret);
        expect(JSON.stringify(error)).not.toContain(secret);
      }
    });
  });
});

describe('the README', () => {
  it('documents every configuration key with its default in the configuration table', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\|\s*`([A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));

    expect(CONFIG_KEYS.filter((key) => !documented.has(key))).toEqual([]);
  });
});
