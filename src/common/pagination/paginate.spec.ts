import { Types, type Model } from 'mongoose';
import { TOTAL_COUNT_LIMIT } from './connection';
import { paginate } from './paginate';
import { PageArgs } from './page.args';

interface Doc {
  _id: Types.ObjectId;
}

/** A model that answers `find` with `docs` and records every count it is asked for. */
function fakeModel(docs: Doc[], total: number) {
  const counts: { filter: unknown; options: unknown }[] = [];
  const query = <T>(value: T) => ({
    sort: () => query(value),
    limit: (n: number) => query(Array.isArray(value) ? value.slice(0, n) : value),
    lean: () => query(value),
    exec: () => Promise.resolve(value),
  });
  const model = {
    find: () => query(docs),
    countDocuments: (filter: unknown, options?: unknown) => {
      counts.push({ filter, options });
      return query(total);
    },
  };
  return { model: model as unknown as Model<Doc>, counts };
}

const page = (first: number): PageArgs => Object.assign(new PageArgs(), { first });
const ids = (n: number): Doc[] => Array.from({ length: n }, () => ({ _id: new Types.ObjectId() }));

describe('paginate', () => {
  it('counts nothing unless the total is asked for', async () => {
    const { model, counts } = fakeModel(ids(3), 3);

    const sut = await paginate(model, { owner: 'a' }, page(2), (d) => d._id.toHexString());

    expect(sut.edges).toHaveLength(2);
    expect(sut.pageInfo.hasNextPage).toBe(true);
    expect(counts).toEqual([]);
  });

  it('counts once however often the total is read, and never past the limit', async () => {
    const { model, counts } = fakeModel(ids(1), 1);

    const sut = await paginate(model, { owner: 'a' }, page(20), (d) => d);

    expect(await sut.totalCount).toBe(1);
    expect(await sut.totalCount).toBe(1);
    expect(counts).toEqual([{ filter: { owner: 'a' }, options: { limit: TOTAL_COUNT_LIMIT } }]);
  });
});
