import { SLUG_PATTERN, slugify } from './slug';

describe('slugify', () => {
  it.each([
    ['My App!', 'my-app'],
    ['  Crème brûlée  ', 'creme-brulee'],
    ['---', 'project'],
    ['a'.repeat(80), 'a'.repeat(48)],
  ])('turns %j into %j', (name, expected) => {
    expect(slugify(name)).toBe(expected);
  });

  it('always produces a slug the input validator accepts', () => {
    for (const name of ['x', 'Ünïcødé ☃ name', `${'ab-'.repeat(30)}`, '9 lives']) {
      expect(slugify(name)).toMatch(SLUG_PATTERN);
    }
  });
});
