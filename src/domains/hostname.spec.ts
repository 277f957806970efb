import { DomainException, DomainExceptionReason } from './domain.exception';
import { parseHostname, requestHostname } from './hostname';

const PLATFORM = ['slipway.app', 'localhost'];

/** The exception parseHostname throws for `input`; fails the test when it accepts it. */
function refusal(input: string): DomainException {
  try {
    parseHostname(input, PLATFORM);
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error(`parseHostname accepted ${JSON.stringify(input)}`);
}

describe('parseHostname', () => {
  it('lower-cases, trims and drops the trailing dot', () => {
    expect(parseHostname('  WWW.Example.COM.  ', PLATFORM)).toEqual({
      ascii: 'www.example.com',
      unicode: 'www.example.com',
    });
  });

  it('converts IDNs to punycode and keeps the Unicode form', () => {
    expect(parseHostname('Bücher.example', PLATFORM)).toEqual({
      ascii: 'xn--bcher-kva.example',
      unicode: 'bücher.example',
    });
    expect(parseHostname('例え.テスト', PLATFORM).ascii).toBe('xn--r8jz45g.xn--zckzah');
    // Full-width letters and the ideographic full stop map to their ASCII forms (UTS #46).
    expect(parseHostname('ｅｘａｍｐｌｅ。com', PLATFORM).ascii).toBe('example.com');
    expect(parseHostname('xn--bcher-kva.example', PLATFORM).unicode).toBe('bücher.example');
  });

  it('accepts the longest names whose verification record still fits in DNS', () => {
    const label = 'a'.repeat(63);
    const longest = `${label}.${label}.${label}.${'b'.repeat(38)}.com`;
    expect(longest.length).toBe(234);
    expect(parseHostname(longest, PLATFORM).ascii).toBe(longest);
    expect(refusal(`c.${longest}`).message).toMatch(/too long to verify/);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['.', /empty/],
    ['com', /at least two labels/],
    ['example..com', /empty label/],
    ['.example.com', /empty label/],
    ['-example.com', /not a valid label/],
    ['example-.com', /not a valid label/],
    ['exa_mple.com', /not a valid label/],
    ['*.example.com', /wildcard/],
    ['www.*.example.com', /wildcard/],
    ['https://example.com', /without a scheme/],
    ['example.com/path', /without a scheme/],
    ['example.com:8080', /without a scheme/],
    ['user@example.com', /without a scheme/],
    ['exa mple.com', /without a scheme/],
    ['example.com?x', /without a scheme/],
    ['ex%41mple.com', /without a scheme/],
    ['192.0.2.1', /IP address/],
    ['[2001:db8::1]', /IP address/],
    ['2001:db8::1', /IP address/],
    ['127.1', /IP address/],
    ['0x7f.0.0.1', /IP address/],
    ['example.123', /not a valid domain name|numeric/],
    ['xn--abc.com', /not a valid domain name/],
    ['a\u200d.com', /not a valid domain name/],
    [`${'a'.repeat(64)}.com`, /longer than 63/],
    [`${'a.'.repeat(127)}com`, /longer than 253/],
  ])('refuses %j', (input, message) => {
    const error = refusal(input);
    expect(error.reason).toBe(DomainExceptionReason.INVALID_HOSTNAME);
    expect(error.message).toMatch(message);
  });

  it('refuses the platform domains and every name under them', () => {
    for (const input of ['slipway.app', 'SLIPWAY.APP.', 'my-site.slipway.app', 'a.b.slipway.app', 'app.localhost']) {
      const error = refusal(input);
      expect([input, error.reason]).toEqual([input, DomainExceptionReason.PLATFORM_DOMAIN]);
    }
    // A name that merely ends with the same letters is someone else's.
    expect(parseHostname('notslipway.app', PLATFORM).ascii).toBe('notslipway.app');
  });

  it('cuts a very long input short in the message', () => {
    expect(refusal(`${'x'.repeat(200)}/`).message.length).toBeLessThan(250);
  });
});

describe('requestHostname', () => {
  it('gives the lower-cased hostname of a request that could name a custom domain', () => {
    expect(requestHostname('WWW.Example.com', PLATFORM)).toBe('www.example.com');
    expect(requestHostname('www.example.com.', PLATFORM)).toBe('www.example.com');
  });

  it('leaves out addresses, one-label names, platform domains and what is not a hostname', () => {
    for (const host of [
      undefined,
      '',
      '127.0.0.1',
      '[::1]',
      'localhost',
      'api.slipway.app',
      'a b.com',
      'x'.repeat(300),
    ]) {
      expect([host, requestHostname(host, PLATFORM)]).toEqual([host, undefined]);
    }
  });
});
