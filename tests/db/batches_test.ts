import assert from "node:assert/strict";
import { deleteInBatches } from "../../db/batches.ts";
import { dbTest } from "../helpers/db.ts";

dbTest("deleteInBatches: stops after maxBatches, and when a batch comes back short", async (sql) => {
  await sql`create temporary table purge_probe (id int primary key)`;
  try {
    await sql`insert into purge_probe select generate_series(1, 7)`;
    const batch = (limit: number) =>
      sql`delete from purge_probe where id in (select id from purge_probe order by id limit ${limit})`;
    assert.equal(await deleteInBatches(batch, { batchSize: 2, maxBatches: 2 }), 4);
    assert.deepEqual((await sql`select id from purge_probe order by id`).map((r) => r.id), [5, 6, 7]);
    assert.equal(await deleteInBatches(batch, { batchSize: 2, maxBatches: 10 }), 3);
    assert.equal(await deleteInBatches(batch, { batchSize: 2 }), 0);
    await assert.rejects(() => deleteInBatches(batch, { batchSize: 0 }), RangeError);
  } finally {
    await sql`drop table purge_probe`;
  }
});
