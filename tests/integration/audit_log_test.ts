import assert from "node:assert/strict";
import { appendAudit, listAudit, verifyAuditChain } from "../../domain/staff/audit_log.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import { dbTest, testDbKind } from "../helpers/db.ts";

/** Run `fn` in a transaction that is always rolled back (tampering must not leak into other tests). */
async function inRolledBackTx(sql: Db, fn: (tx: Tx) => Promise<void>): Promise<void> {
  const outcome = await transaction(sql, async (tx, rollback) => {
    await fn(tx);
    return rollback("rolled back");
  });
  assert.equal(outcome, "rolled back");
}

async function appendSome(sql: Db, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await transaction(sql, (tx) =>
      appendAudit(tx, {
        staffId: null,
        action: "test.action",
        target: `thing:${i}`,
        detail: { i, nested: { b: [1, "二"], a: null }, when: new Date(0) },
        ip: "10.9.8.7",
      }));
    ids.push(row.id);
  }
  return ids;
}

dbTest("audit: appended rows chain and verify", async (sql) => {
  const ids = await appendSome(sql, 3);
  const rows = await sql<{ id: string; prev_hash: string | null; hash: string }[]>`
    select id, prev_hash, hash from audit_log where id = any(${ids}) order by id`;
  assert.equal(rows[1].prev_hash, rows[0].hash);
  assert.equal(rows[2].prev_hash, rows[1].hash);
  const result = await verifyAuditChain(sql);
  assert.ok(result.ok, JSON.stringify(result));
  assert.ok(result.rows >= 3);
  const [latest] = await listAudit(sql, { limit: 1, action: "test.action" });
  assert.equal(latest.id, ids[2]);
  assert.deepEqual(latest.detail, {
    i: 2,
    nested: { a: null, b: [1, "二"] },
    when: "1970-01-01T00:00:00.000Z",
  });
});

dbTest("audit: UPDATE, DELETE and TRUNCATE are refused by the database", async (sql) => {
  const [id] = await appendSome(sql, 1);
  await assert.rejects(() => sql`update audit_log set detail = '{}' where id = ${id}`, /append-only/);
  await assert.rejects(() => sql`delete from audit_log where id = ${id}`, /append-only/);
  await assert.rejects(() => sql`truncate audit_log`, /append-only/);
  assert.equal((await sql`select 1 from audit_log where id = ${id}`).length, 1);
});

dbTest("audit: verify detects a changed detail", async (sql) => {
  const ids = await appendSome(sql, 3);
  await inRolledBackTx(sql, async (tx) => {
    await tx`alter table audit_log disable trigger user`;
    await tx`update audit_log set detail = '{"i": 99}' where id = ${ids[1]}`;
    assert.deepEqual(await verifyAuditChain(tx), { ok: false, brokenAtId: ids[1], reason: "hash_mismatch" });
  });
  assert.ok((await verifyAuditChain(sql)).ok);
});

dbTest("audit: verify detects a re-hashed forgery (the next row no longer chains)", async (sql) => {
  const ids = await appendSome(sql, 3);
  await inRolledBackTx(sql, async (tx) => {
    await tx`alter table audit_log disable trigger user`;
    // a forger who also recomputes the row's own hash still breaks the link to the next row
    await tx`update audit_log set target = 'forged', hash = md5('x') || md5('y') where id = ${ids[1]}`;
    const r = await verifyAuditChain(tx);
    assert.ok(!r.ok);
    assert.equal(r.brokenAtId, ids[1]);
  });
});

dbTest("audit: verify detects a deleted row", async (sql) => {
  const ids = await appendSome(sql, 3);
  await inRolledBackTx(sql, async (tx) => {
    await tx`alter table audit_log disable trigger user`;
    await tx`delete from audit_log where id = ${ids[1]}`;
    assert.deepEqual(await verifyAuditChain(tx), {
      ok: false,
      brokenAtId: ids[2],
      reason: "prev_hash_mismatch",
    });
  });
  assert.ok((await verifyAuditChain(sql)).ok);
});

dbTest("audit: verify detects a forged row inserted without the chain", async (sql) => {
  await appendSome(sql, 1);
  await inRolledBackTx(sql, async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into audit_log (staff_id, action, target, detail, ip, created_at, prev_hash, hash)
      values (null, 'forged', null, '{}', null, now(), 'not-a-real-hash', 'forged-hash') returning id`;
    assert.deepEqual(await verifyAuditChain(tx), {
      ok: false,
      brokenAtId: row.id,
      reason: "prev_hash_mismatch",
    });
  });
});

// On the embedded database the one connection serialises everything, so this passes whatever the code
// does: it proves something only with real concurrency.
dbTest("audit (postgres only): 20 concurrent appends serialise into one chain", async (sql) => {
  const rows = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        transaction(sql, (tx) =>
          appendAudit(tx, {
            staffId: null,
            action: "test.concurrent",
            target: `n:${i}`,
            detail: { i },
            ip: null,
          })),
    ),
  );
  assert.equal(new Set(rows.map((r) => r.hash)).size, 20);
  assert.equal(new Set(rows.map((r) => r.prevHash)).size, 20);
  const result = await verifyAuditChain(sql);
  assert.ok(result.ok, JSON.stringify(result));
}, { ignore: testDbKind !== "postgres" });

dbTest("audit: verify pages through more than one page of rows", async (sql) => {
  // cheap bulk rows: append 1001 in one transaction so verification needs two pages
  const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from audit_log`;
  const need = Math.max(0, 1001 - n);
  await transaction(sql, async (tx) => {
    for (let i = 0; i < need; i++) {
      await appendAudit(tx, { staffId: null, action: "test.bulk", target: null, detail: { i }, ip: null });
    }
  });
  const result = await verifyAuditChain(sql);
  assert.ok(result.ok, JSON.stringify(result));
  assert.ok(result.rows > 1000);
});
