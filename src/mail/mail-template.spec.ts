import { compileMailTemplate } from './mail-template';

describe('compileMailTemplate', () => {
  const render = compileMailTemplate<{ name: string; link: string }>({
    subject: 'Hello {{name}}',
    text: 'Hi {{name}}, open {{link}}',
    html: '<p>Hi {{name}}, <a href="{{link}}">open</a></p>',
  });

  it('escapes values in the HTML body', () => {
    const mail = render({ name: '<script>alert("x")</script> & co', link: 'https://example.test/?a=1&b="2"' });
    expect(mail.html).toBe(
      '<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co, ' +
        '<a href="https://example.test/?a&#x3D;1&amp;b&#x3D;&quot;2&quot;">open</a></p>',
    );
    expect(mail.html).not.toContain('<script>');
  });

  it('leaves values as they are in the plain-text body and the subject', () => {
    const mail = render({ name: 'A & <B>', link: 'https://example.test/?a=1&b=2' });
    expect(mail.text).toBe('Hi A & <B>, open https://example.test/?a=1&b=2');
    expect(mail.subject).toBe('Hello A & <B>');
  });

  it('keeps the subject on one line', () => {
    expect(render({ name: 'Eve\r\nBcc: victim@example.test', link: 'x' }).subject).toBe(
      'Hello Eve Bcc: victim@example.test',
    );
  });

  it('refuses to render a message missing a value its templates name', () => {
    expect(() => render({ name: 'Ann' } as { name: string; link: string })).toThrow(/link/);
  });
});
