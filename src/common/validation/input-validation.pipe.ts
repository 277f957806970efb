import { Injectable, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidatorOptions } from 'class-validator';
import { CommonException, CommonExceptionReason } from '../errors/app.exception';
import { memoizeValidationMetadata } from './memoize-validation-metadata';

/** Types whose values are not input classes: GraphQL has already coerced them. */
const PLAIN_TYPES = new Set<unknown>([String, Boolean, Number, Array, Object, Date]);

/** As Nest's ValidationPipe passes them (it leaves `forbidUnknownValues` off). */
const OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: false,
  validationError: { target: false, value: false },
};

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[path] = Object.values(error.constraints);
    Object.assign(out, flatten(error.children ?? [], path));
  }
  return out;
}

function invalidInput(errors: ValidationError[]): CommonException {
  const fields = flatten(errors);
  const messages = Object.values(fields).flat();
  return new CommonException(
    CommonExceptionReason.INVALID_INPUT,
    `Invalid input: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? '; …' : ''}`,
    { fields },
  );
}

/**
 * The global pipe: every input type and arguments class goes through class-transformer (so
 * `@Transform`s such as id canonicalization apply) and class-validator (unknown properties refused),
 * and the resolver receives the instance; failures are one BAD_USER_INPUT error listing each field.
 *
 * It does what Nest's ValidationPipe does with these options, synchronously and without that
 * pipe's treatment of sparse arrays, binary payloads and prototype keys, which GraphQL's own input
 * coercion already rules out; on the path of every operation that was a large share of the API's
 * overhead over a bare server (docs/benchmarks.md). Validators are therefore synchronous: a check
 * that needs I/O belongs in the service. As with Nest's pipe, a list argument (`[XInput]`) is not
 * validated element by element: take lists inside an input type.
 */
@Injectable()
export class InputValidationPipe implements PipeTransform {
  constructor() {
    memoizeValidationMetadata();
  }

  transform(value: unknown, { metatype, type }: ArgumentMetadata): unknown {
    if (type === 'custom' || !metatype || PLAIN_TYPES.has(metatype)) return value;
    const instance = plainToInstance(metatype, value ?? {}) as object;
    const errors = validateSync(instance, OPTIONS);
    if (errors.length > 0) throw invalidInput(errors);
    return instance;
  }
}
