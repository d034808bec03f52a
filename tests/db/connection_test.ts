import assert from "node:assert/strict";
import { dbTest, testDbKind } from "../helpers/db.ts";

dbTest(`connection (${testDbKind}): answers a query and reports its kind`, async (sql, db) => {
  assert.equal(db.kind, testDbKind);
  const [row] = await sql<{ one: number; two: string }[]>`select 1 as one, ${"二"}::text as two`;
  assert.deepEqual({ ...row }, { one: 1, two: "二" });
  // int8 comes back as an exact BigInt (ids excepted: see the next test)
  const [{ big }] = await sql<{ big: unknown }[]>`select 9007199254740993::bigint as big`;
  assert.equal(big, 9007199254740993n);
});

dbTest(`connection (${testDbKind}): int8 is a BigInt, int8 ids are strings`, async (sql) => {
  const [row] = await sql<Record<string, unknown>[]>`
    select 9223372036854775807::bigint as amount_fen,
           (-9223372036854775807 - 1)::bigint as "minFen",
           (select count(*) from generate_series(1, 3)) as n,
           sum(x) as int_sum,
           sum(x::bigint)::bigint as big_sum,
           1::bigint as id, 2::bigint as user_id, 3::bigint as "userId", 4::bigint as invited_by,
           5::integer as staff_id, null::bigint as subject_id, 'x'::text as "textId", 6::integer as n4
    from (values (1), (2)) v(x)`;
  assert.deepEqual({ ...row }, {
    amount_fen: 9223372036854775807n,
    minFen: -9223372036854775808n,
    n: 3n, // count(*) is int8: exact, no ::int cast
    int_sum: 3n, // sum of int4 is int8
    big_sum: 3n, // sum of int8 is numeric: cast back ::bigint
    id: "1",
    user_id: "2",
    userId: "3",
    invited_by: 4n, // int8, but not named as an id
    staff_id: 5, // an int4 stays a number whatever its name
    subject_id: null,
    textId: "x",
    n4: 6,
  });
  // sum() of an int8 column is numeric, which stays a string: the cast ::bigint above is needed.
  const [{ numericSum }] = await sql<{ numericSum: unknown }[]>`
    select sum(x) as "numericSum" from (values (1::bigint)) v(x)`;
  assert.equal(numericSum, "1");
});

dbTest(`connection (${testDbKind}): ids and amounts round-trip through a table`, async (sql) => {
  const table = `int8_probe_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await sql.unsafe(`create table ${table} (
    id bigint generated always as identity primary key,
    owner_id bigint,
    amount_fen bigint not null
  )`);
  try {
    const big = 2n ** 62n + 1n; // far beyond 2^53
    const [{ id }] = await sql.unsafe<{ id: unknown }[]>(
      `insert into ${table} (owner_id, amount_fen) values ($1, $2) returning id`,
      ["9007199254740993", big.toString()],
    );
    assert.equal(typeof id, "string");
    // A string id and a bigint amount as parameters; the id comes back as the same string.
    const [row] = await sql<{ id: unknown; owner_id: unknown; amount_fen: unknown }[]>`
      select id, owner_id, amount_fen from ${sql(table)} where id = ${id as string} and amount_fen = ${big}`;
    assert.deepEqual({ ...row }, { id, owner_id: "9007199254740993", amount_fen: big });
    const [{ total }] = await sql<{ total: unknown }[]>`
      select sum(amount_fen)::bigint as total from ${sql(table)}`;
    assert.equal(total, big);
  } finally {
    await sql.unsafe(`drop table ${table}`);
  }
});

dbTest(`connection (${testDbKind}): a transaction commits and a thrown error rolls back`, async (sql) => {
  const table = `conn_probe_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await sql.unsafe(`create table ${table} (v text not null)`);
  try {
    const returned = await sql.begin(async (tx) => {
      await tx.unsafe(`insert into ${table} values ('kept')`);
      return "committed";
    });
    assert.equal(returned, "committed");
    await assert.rejects(
      () =>
        sql.begin(async (tx) => {
          await tx.unsafe(`insert into ${table} values ('lost')`);
          throw new Error("boom");
        }),
      /boom/,
    );
    await assert.rejects(
      () =>
        sql.begin(async (tx) => {
          await tx.unsafe(`insert into ${table} values ('lost too')`);
          await tx`select 1/0`;
        }),
      /division by zero/,
    );
    const rows = await sql.unsafe<{ v: string }[]>(`select v from ${table}`);
    assert.deepEqual(rows.map((r) => r.v), ["kept"]);
    // the connection is usable after the rollbacks
    const [{ ok }] = await sql`select true as ok`;
    assert.equal(ok, true);
  } finally {
    await sql.unsafe(`drop table ${table}`);
  }
});
