import assert from "node:assert/strict";
import { DEFAULT_DATABASE_APP_ROLE } from "../../config.ts";
import { openDatabase } from "../../db/connection.ts";
import {
  appendAudit,
  auditLogTamperRisks,
  type AuditRow,
  auditRowHash,
  listAudit,
  verifyAuditChain,
} from "../../domain/staff/audit_log.ts";
import { auditChainHead, publishAuditAnchor, readAuditAnchors } from "../../domain/staff/audit_anchors.ts";
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
  const [{ n }] = await sql<{ n: bigint }[]>`select count(*) as n from audit_log`;
  const need = Math.max(0, 1001 - Number(n));
  await transaction(sql, async (tx) => {
    for (let i = 0; i < need; i++) {
      await appendAudit(tx, { staffId: null, action: "test.bulk", target: null, detail: { i }, ip: null });
    }
  });
  const result = await verifyAuditChain(sql);
  assert.ok(result.ok, JSON.stringify(result));
  assert.ok(result.rows > 1000);
});

// ---------------------------------------------------------------------------------------------------
// The app's database role (real Postgres: the embedded database has one superuser, nothing to enforce)

/** The test database's URL with another user (trust authentication: no password needed). */
function urlAs(user: string): string {
  const url = new URL(Deno.env.get("DATABASE_URL")!);
  url.username = user;
  url.password = "";
  return url.toString();
}

dbTest(
  "audit (postgres only): the app's role appends and reads audit_log but cannot update, delete, truncate, " +
    "disable its trigger or drop it",
  async (sql) => {
    const app = await openDatabase({ databaseUrl: urlAs(DEFAULT_DATABASE_APP_ROLE), maxConnections: 2 });
    try {
      const [{ user, superuser }] = await app.sql<{ user: string; superuser: boolean }[]>`
        select current_user as user, rolsuper as superuser from pg_roles where rolname = current_user`;
      assert.deepEqual({ user, superuser }, { user: DEFAULT_DATABASE_APP_ROLE, superuser: false });
      assert.deepEqual(await auditLogTamperRisks(app.sql), []);
      assert.ok((await auditLogTamperRisks(sql)).includes("superuser"), "the owner's connection could");

      // appending through appendAudit (in a command's transaction) and reading work
      const row = await transaction(
        app.sql,
        (tx) =>
          appendAudit(tx, { staffId: null, action: "test.app_role", target: null, detail: {}, ip: null }),
      );
      const [read] = await listAudit(app.sql, { limit: 1, action: "test.app_role" });
      assert.equal(read.id, row.id);
      assert.ok((await verifyAuditChain(app.sql)).ok);

      const refused = /permission denied|must be owner/;
      await assert.rejects(() => app.sql`update audit_log set detail = '{}' where id = ${row.id}`, refused);
      await assert.rejects(() => app.sql`delete from audit_log where id = ${row.id}`, refused);
      await assert.rejects(() => app.sql`truncate audit_log`, refused);
      await assert.rejects(() => app.sql`alter table audit_log disable trigger user`, refused);
      await assert.rejects(
        () => app.sql`alter table audit_log disable trigger audit_log_no_update_delete`,
        refused,
      );
      await assert.rejects(() => app.sql`drop trigger audit_log_no_update_delete on audit_log`, refused);
      await assert.rejects(() => app.sql`drop table audit_log`, refused);
      await assert.rejects(
        () => app.sql`alter table audit_log owner to ${app.sql(DEFAULT_DATABASE_APP_ROLE)}`,
        refused,
      );
      await assert.rejects(() => app.sql`set session_replication_role = replica`, refused);
      await assert.rejects(() => app.sql`create table audit_log_shadow (id int)`, refused);
      await assert.rejects(
        () => app.sql`insert into schema_migrations (version, name) values (9999, 'x')`,
        refused,
      );
      assert.equal((await sql`select 1 from audit_log where id = ${row.id}`).length, 1, "the row is intact");

      // it owns nothing in this database
      const [{ owned }] = await app.sql<{ owned: string }[]>`
        select count(*) as owned from pg_class where relowner = (select oid from pg_roles where rolname = current_user)`;
      assert.equal(Number(owned), 0);
      // and keeps the rights the app needs on the other tables
      const [rights] = await app.sql<Record<string, boolean>[]>`
        select has_table_privilege('users', 'SELECT, INSERT, UPDATE, DELETE') as users,
               has_table_privilege('sessions', 'SELECT, INSERT, UPDATE, DELETE') as sessions,
               has_table_privilege('job_runs', 'SELECT, INSERT, UPDATE') as job_runs,
               has_table_privilege('audit_log', 'INSERT') and has_table_privilege('audit_log', 'SELECT') as audit,
               has_table_privilege('schema_migrations', 'SELECT') as migrations`;
      assert.deepEqual({ ...rights }, {
        users: true,
        sessions: true,
        job_runs: true,
        audit: true,
        migrations: true,
      });
    } finally {
      await app.close();
    }
  },
  { ignore: testDbKind !== "postgres" },
);

// ---------------------------------------------------------------------------------------------------
// Anchors published outside the database

/** Recompute every hash from row `fromId` on, as someone with the owner's rights could (trigger off). */
async function rehashFrom(tx: Tx, fromId: string): Promise<void> {
  const [prev] = await tx<
    { hash: string }[]
  >`select hash from audit_log where id < ${fromId} order by id desc limit 1`;
  let prevHash: string | null = prev?.hash ?? null;
  const rows = await tx<AuditRow[]>`
    select id, staff_id as "staffId", action, target, detail, ip, created_at as "createdAt",
      prev_hash as "prevHash", hash
    from audit_log where id >= ${fromId} order by id`;
  for (const r of rows) {
    const hash = await auditRowHash(prevHash, r);
    await tx`update audit_log set prev_hash = ${prevHash}, hash = ${hash} where id = ${r.id}`;
    prevHash = hash;
  }
}

dbTest(
  "audit: a published anchor catches a rewritten, fully re-hashed chain (anchor_mismatch)",
  async (sql) => {
    const dir = await Deno.makeTempDir({ prefix: "audit_anchors_" });
    try {
      const ids = await appendSome(sql, 3);
      const anchor = await publishAuditAnchor(sql, dir, { day: "2026-11-27" });
      assert.equal(anchor.lastId, ids[2]);
      const { anchors, invalid } = await readAuditAnchors([dir]);
      assert.deepEqual(invalid, []);
      assert.deepEqual(anchors, [anchor]);
      const fine = await verifyAuditChain(sql, { anchors });
      assert.ok(fine.ok && fine.anchorsChecked === 1, JSON.stringify(fine));

      await inRolledBackTx(sql, async (tx) => {
        await tx`alter table audit_log disable trigger user`;
        await tx`update audit_log set target = 'forged' where id = ${ids[1]}`;
        await rehashFrom(tx, ids[1]);
        // without the anchor the forgery verifies: the chain alone cannot see it
        assert.ok((await verifyAuditChain(tx)).ok, "a re-hashed chain verifies on its own");
        const r = await verifyAuditChain(tx, { anchors });
        assert.ok(!r.ok && r.reason === "anchor_mismatch", JSON.stringify(r));
        assert.equal(r.brokenAtId, ids[2]);
        assert.deepEqual(r.anchor, anchor, "the result names the anchor");
        assert.notEqual(r.found, anchor.hash);
      });
      assert.ok((await verifyAuditChain(sql, { anchors })).ok);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

dbTest(
  "audit: an anchor whose row is gone is a mismatch; other databases' anchors are not checked",
  async (sql) => {
    const [id] = await appendSome(sql, 1);
    const head = await auditChainHead(sql);
    assert.equal(head.lastId, id);
    const { database, system } = head;
    const base = {
      type: "audit_anchor",
      v: 1,
      database,
      system,
      day: "2026-11-27",
      at: new Date().toISOString(),
    } as const;
    const beyond = {
      ...base,
      lastId: String(BigInt(id) + 1000n),
      hash: "a".repeat(64),
      rows: head.rows + 1000,
    };
    const r = await verifyAuditChain(sql, { anchors: [beyond] });
    assert.deepEqual(r, {
      ok: false,
      brokenAtId: beyond.lastId,
      reason: "anchor_mismatch",
      anchor: beyond,
      found: null,
    });
    // another database of the same name (e.g. the data folder of another embedded database), or another
    // database of this cluster: not checked, but counted
    const elsewhere = [{ ...beyond, system: "1" }, { ...beyond, database: `${database}_other` }];
    const empty = { ...base, lastId: null, hash: null, rows: 0 };
    const ok = await verifyAuditChain(sql, { anchors: [...elsewhere, empty] });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.equal(ok.anchorsChecked, 1);
    assert.equal(ok.anchorsOtherDatabases, 2);
    assert.deepEqual(
      await verifyAuditChain(sql),
      { ok: true, rows: ok.rows },
      "no anchors given, none counted",
    );
  },
);
