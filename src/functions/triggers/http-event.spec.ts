import { isTextual, replyFrom } from './http-event';

describe('replyFrom', () => {
  it('sends a plain value as JSON with status 200', () => {
    const reply = replyFrom({ hello: 'world' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toContain('application/json');
    expect(reply.body.toString()).toBe('{"hello":"world"}');
    expect(replyFrom(undefined).body.toString()).toBe('null');
  });

  it('takes an object with a statusCode as the response, decoding base64 and dropping hop-by-hop headers', () => {
    const reply = replyFrom({
      statusCode: 201,
      headers: {
        'X-Thing': 'a\r\nInjected: b',
        'Transfer-Encoding': 'chunked',
        'bad header': 'x',
        'Content-Security-Policy': 'default-src *',
        'Set-Cookie': 'session=stolen',
      },
      body: Buffer.from('binary').toString('base64'),
      isBase64Encoded: true,
    });
    expect(reply.status).toBe(201);
    expect(reply.headers).toEqual({ 'x-thing': 'a  Injected: b', 'content-type': 'application/octet-stream' });
    expect(reply.body.toString()).toBe('binary');
  });

  it('turns an object body into JSON and an impossible status into 502', () => {
    const reply = replyFrom({ statusCode: 42, body: { ok: true } });
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toBe('{"ok":true}');
  });
});

describe('isTextual', () => {
  it('tells text from binary bodies by their content type', () => {
    expect(isTextual('application/json; charset=utf-8')).toBe(true);
    expect(isTextual('application/vnd.api+json')).toBe(true);
    expect(isTextual('text/csv')).toBe(true);
    expect(isTextual('image/png')).toBe(false);
    expect(isTextual(undefined)).toBe(true);
  });
});
