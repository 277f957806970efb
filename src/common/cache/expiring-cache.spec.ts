import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  it('returns a value until its own end, never past the maximum age', () => {
    const sut = new ExpiringCache<string>(10, 1_000);
    sut.set('a', 'x', sut.generation(), 500, 0);
    sut.set('b', 'y', sut.generation(), Infinity, 0);
    expect(sut.get('a', 499)).toBe('x');
    expect(sut.get('a', 500)).toBeUndefined();
    expect(sut.get('b', 999)).toBe('y');
    expect(sut.get('b', 1_000)).toBeUndefined();
  });

  it('drops a write whose read raced with an invalidation', () => {
    const sut = new ExpiringCache<string>(10, 1_000);
    const before = sut.generation();
    sut.invalidate('p1:');
    sut.set('p1:u1', 'stale', before, Infinity, 0);
    expect(sut.get('p1:u1', 1)).toBeUndefined();
  });

  it('invalidates by key prefix only', () => {
    const sut = new ExpiringCache<number>(10, 1_000);
    sut.set('p1:u1', 1, sut.generation(), Infinity, 0);
    sut.set('p2:u1', 2, sut.generation(), Infinity, 0);
    sut.invalidate('p1:');
    expect(sut.get('p1:u1', 1)).toBeUndefined();
    expect(sut.get('p2:u1', 1)).toBe(2);
  });

  it('stays within its size by evicting the oldest entry', () => {
    const sut = new ExpiringCache<number>(2, 1_000);
    for (const key of ['a', 'b', 'c']) sut.set(key, 1, sut.generation(), Infinity, 0);
    expect(sut.size).toBe(2);
    expect(sut.get('a', 1)).toBeUndefined();
    expect(sut.get('c', 1)).toBe(1);
  });
});
