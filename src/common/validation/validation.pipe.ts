import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { CommonException, CommonExceptionReason } from '../errors/app.exception';

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    Object.assign(out, flatten(error.children ?? [], path));
  }
  return out;
}

/** The global pipe: class-validator on every input, failures as one BAD_USER_INPUT error. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      const messages = Object.values(fields).flat();
      return new CommonException(
        CommonExceptionReason.INVALID_INPUT,
        `Invalid input: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? '; …' : ''}`,
        { fields },
      );
    },
  });
}
