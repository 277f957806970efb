import Handlebars from 'handlebars';

/** One message's templates: handlebars source for the subject and both bodies. */
export interface MailTemplateSource {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Compiles a message's templates once; `render(data)` fills them. The HTML body escapes every
 * value (`{{name}}`); the subject and the text body are plain text and take values as they are.
 * A value a template names but `data` lacks is an error, not an empty gap in a sent message.
 */
export function compileMailTemplate<D extends object>(source: MailTemplateSource): (data: D) => RenderedMail {
  const handlebars = Handlebars.create();
  const plain = { noEscape: true, strict: true } as const;
  const subject = handlebars.compile<D>(source.subject, plain);
  const text = handlebars.compile<D>(source.text, plain);
  const html = handlebars.compile<D>(source.html, { strict: true });
  return (data) => ({
    // A subject is one header line: line breaks in a value would end it.
    subject: subject(data)
      .replace(/[\r\n]+/g, ' ')
      .trim(),
    text: text(data),
    html: html(data),
  });
}
