import { getMetadataStorage, IsInt, MinLength, validateSync } from 'class-validator';
import { memoizeValidationMetadata } from './memoize-validation-metadata';

class Base {
  @MinLength(3)
  name = '';
}

class Derived extends Base {
  @IsInt()
  count: unknown = 0;
}

describe('memoizeValidationMetadata', () => {
  beforeAll(() => memoizeValidationMetadata());

  it('answers a repeated lookup from memory, with inherited validators included', () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Derived, '', true, false);

    expect(storage.getTargetValidationMetadatas(Derived, '', true, false)).toBe(first);
    expect(first.map((m) => m.propertyName).sort()).toEqual(['count', 'name']);
  });

  it('validates exactly as before', () => {
    const sut = Object.assign(new Derived(), { name: 'ab', count: 'x' });

    expect(
      validateSync(sut)
        .map((e) => e.property)
        .sort(),
    ).toEqual(['count', 'name']);
    expect(validateSync(Object.assign(new Derived(), { name: 'abc', count: 2 }))).toEqual([]);
  });

  it('sees a validator registered after a lookup was remembered', () => {
    validateSync(new Derived());
    // A decorator applied later, as a class loaded later would.
    MinLength(1)(Derived.prototype, 'label');

    const errors = validateSync(Object.assign(new Derived(), { name: 'abc', label: '' }));

    expect(errors.map((e) => e.property)).toEqual(['label']);
  });
});
