import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, ValidateNested } from 'class-validator';
import { CommonException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';
import { IsObjectId } from './is-object-id';
import { InputValidationPipe } from './input-validation.pipe';

class Inner {
  @IsString()
  label!: string;
}

class SomeInput {
  @IsObjectId()
  id!: string;

  @IsOptional()
  @IsInt()
  @Max(10)
  count?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  inner?: Inner;
}

const ID = 'AbCdEf0123456789abcdef01';

describe('InputValidationPipe', () => {
  const sut = new InputValidationPipe();
  const asInput = (value: unknown) => sut.transform(value, { type: 'body', metatype: SomeInput });
  const refusalOf = (value: unknown): CommonException => {
    try {
      asInput(value);
    } catch (error) {
      if (error instanceof CommonException) return error;
      throw error;
    }
    throw new Error('the input was accepted');
  };

  it('hands the resolver an instance, with transforms applied', () => {
    const result = asInput({ id: ID, count: 3, inner: { label: 'x' } });

    expect(result).toBeInstanceOf(SomeInput);
    expect(result).toEqual({ id: ID.toLowerCase(), count: 3, inner: { label: 'x' } });
    expect((result as SomeInput).inner).toBeInstanceOf(Inner);
  });

  it('refuses invalid fields, nested ones included, with one BAD_USER_INPUT error naming each', () => {
    const error = refusalOf({ id: 'nope', count: 11, inner: { label: 4 } });

    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    expect(Object.keys(error.details?.fields as object).sort()).toEqual(['count', 'id', 'inner.label']);
    expect(error.message).toMatch(/^Invalid input: /);
  });

  it('refuses properties the class does not declare', () => {
    expect(Object.keys(refusalOf({ id: ID, extra: true }).details?.fields as object)).toEqual(['extra']);
  });

  it('leaves custom parameters and plain types alone', () => {
    const ctx = { anything: true };

    expect(sut.transform(ctx, { type: 'custom', metatype: SomeInput })).toBe(ctx);
    expect(sut.transform('text', { type: 'body', metatype: String })).toBe('text');
  });
});
