import assert from "node:assert/strict";
import { dbTest, testDbKind } from "../helpers/db.ts";

dbTest(`connection (${testDbKind}): answers a query and reports its kind`, async (sql, db) => {
  assert.equal(db.kind, testDbKind);
  const [row] = await sql<{ one: number; two: string }[]>`select 1 as one, ${"二"}::text as two`;
  assert.deepEqual({ ...row }, { one: 1, two: "二" });
  // int8 comes back as a string (ids are strings everywhere)
  const [{ big }] = await sql<{ big: unknown }[]>`select 9007199254740993::bigint as big`;
  assert.equal(big, "9007199254740993");
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
