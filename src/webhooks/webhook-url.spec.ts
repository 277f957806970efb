import { forbiddenRange } from '../common/net/address-class';
import { checkEventPatterns } from './webhooks.service';
import { literalAddress, parseWebhookUrl } from './webhook-url';

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { reason?: string }).reason;
  }
};

describe('parseWebhookUrl', () => {
  it('keeps http(s) URLs, without their fragment', () => {
    expect(parseWebhookUrl(' https://hooks.example.com/in?x=1#frag ').toString()).toBe(
      'https://hooks.example.com/in?x=1',
    );
    expect(parseWebhookUrl('http://hooks.example.com:8080/').port).toBe('8080');
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'data:,x'])(
    'refuses the scheme of %s',
    (url) => {
      expect(reasonOf(() => parseWebhookUrl(url))).toBe('INVALID_URL');
    },
  );

  it.each(['not a url', '/relative', 'example.com/hook', ''])('refuses %j, which is not absolute', (url) => {
    expect(reasonOf(() => parseWebhookUrl(url))).toBe('INVALID_URL');
  });

  it('refuses a user name or password', () => {
    expect(reasonOf(() => parseWebhookUrl('https://user:pass@example.com/'))).toBe('INVALID_URL');
    expect(reasonOf(() => parseWebhookUrl('https://user@example.com/'))).toBe('INVALID_URL');
  });

  it.each(['http://localhost/', 'http://LOCALHOST:3000/', 'http://api.localhost/', 'http://localhost./'])(
    'refuses %s by name',
    (url) => {
      expect(reasonOf(() => parseWebhookUrl(url))).toBe('FORBIDDEN_ADDRESS');
    },
  );
});

describe('literalAddress', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'loopback'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[fd00::1]/', 'uniqueLocal'],
    ['http://[fe80::1]/', 'linkLocal'],
  ])('reads the host of %s as an address the checks refuse (%s)', (url, range) => {
    const address = literalAddress(parseWebhookUrl(url));
    expect(address).toBeDefined();
    expect(forbiddenRange(address!)).toBe(range);
  });

  it('is undefined for names', () => {
    expect(literalAddress(parseWebhookUrl('https://hooks.example.com/'))).toBeUndefined();
  });
});

describe('checkEventPatterns', () => {
  it('keeps names, families and *, trimmed and each once', () => {
    expect(checkEventPatterns([' build.failed', 'deployment.*', '*', 'build.failed'])).toEqual([
      'build.failed',
      'deployment.*',
      '*',
    ]);
  });

  it.each(['build', 'build.', '.*', '**', 'build.**', 'Build.Failed', 'build failed', 'a.b.c', ''])(
    'refuses %j',
    (p) => {
      expect(reasonOf(() => checkEventPatterns([p]))).toBe('INVALID_EVENT_PATTERN');
    },
  );
});
