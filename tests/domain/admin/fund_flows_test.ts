/**
 * 资金流水 in the domain: entries with their lines filtered by type, reference prefix, days and a user's
 * phone (keyed hash; never from a URL), totals of the filtered set, paging, and the audited CSV export.
 */
import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import { transaction } from "../../../db/tx.ts";
import {
  exportFundFlowsCsv,
  fenToPlainYuan,
  listFundFlows,
  parseFlowFilters,
} from "../../../domain/admin/fund_flows.ts";
import { postEntry } from "../../../domain/ledger/ledger.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";

async function topUp(sql: Db, userId: string, amountFen: bigint, reference: string): Promise<string> {
  const r = await transaction(sql, (tx) =>
    postEntry(tx, {
      businessType: "top_up",
      reference,
      idempotencyKey: crypto.randomUUID(),
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -amountFen },
        { account: { kind: "user_available", userId }, amountFen },
      ],
    }));
  assert.ok(r.ok);
  return r.entryId;
}

async function freeze(sql: Db, userId: string, amountFen: bigint, reference: string): Promise<void> {
  const r = await transaction(sql, (tx) =>
    postEntry(tx, {
      businessType: "freeze",
      reference,
      idempotencyKey: crypto.randomUUID(),
      lines: [
        { account: { kind: "user_available", userId }, amountFen: -amountFen },
        { account: { kind: "user_frozen", userId }, amountFen },
      ],
    }));
  assert.ok(r.ok);
}

dbTest("fund flows: filters by reference prefix, type and phone, with totals and lines", async (sql) => {
  const run = `flowtest${crypto.randomUUID().slice(0, 8)}`;
  const a = await createUser(sql);
  const b = await createUser(sql);
  await topUp(sql, a.userId, 10_000n, `${run}:a1`);
  await topUp(sql, b.userId, 2_550n, `${run}:b1`);
  await freeze(sql, a.userId, 3_000n, `${run}:a2`);

  const all = parseFlowFilters(new URLSearchParams({ reference: run }), "url");
  const list = await listFundFlows(sql, testCipher, all.filters, 1);
  assert.equal(list.totals.entries, 3n);
  assert.equal(list.totals.amountFen, 15_550n);
  assert.deepEqual(
    list.totals.byType.map((t) => [t.businessType, t.entries, t.amountFen]),
    [["freeze", 1n, 3_000n], ["top_up", 2n, 12_550n]],
  );
  assert.deepEqual(
    list.rows.map((r) => r.reference),
    [`${run}:a2`, `${run}:b1`, `${run}:a1`],
    "newest first",
  );
  const first = list.rows[2];
  assert.equal(first.amountFen, 10_000n);
  assert.deepEqual(first.lines.map((l) => [l.accountKind, l.userId, l.amountFen]), [
    ["custody_clearing", null, -10_000n],
    ["user_available", a.userId, 10_000n],
  ]);

  const typed = parseFlowFilters(new URLSearchParams({ reference: run, type: "top_up" }), "url");
  assert.equal((await listFundFlows(sql, testCipher, typed.filters, 1)).totals.entries, 2n);

  const byPhone = parseFlowFilters(new Map([["reference", run], ["phone", a.phone]]), "form");
  const mine = await listFundFlows(sql, testCipher, byPhone.filters, 1);
  assert.deepEqual(mine.rows.map((r) => r.reference), [`${run}:a2`, `${run}:a1`]);

  const unknown = parseFlowFilters(new Map([["reference", run], ["phone", "13900000000"]]), "form");
  assert.equal((await listFundFlows(sql, testCipher, unknown.filters, 1)).totals.entries, 0n);
});

Deno.test("fund flows: bad filters are reported; a phone in a URL is not searched", () => {
  const q = parseFlowFilters(
    new URLSearchParams({ type: "magic", from: "2026-02-30", to: "x", phone: "13812345678" }),
    "url",
  );
  assert.ok(q.errors.type && q.errors.from && q.errors.to && q.errors.phone);
  assert.deepEqual(q.filters, { type: null, from: null, to: null, reference: null, phone: null });
  const reversed = parseFlowFilters(new URLSearchParams({ from: "2026-03-02", to: "2026-03-01" }), "url");
  assert.ok(reversed.errors.to);
  assert.equal(fenToPlainYuan(-1234n), "-12.34");
  assert.equal(fenToPlainYuan(5n), "0.05");
});

dbTest("fund flows: CSV export needs finance.view, writes one row per line and is audited", async (sql) => {
  const run = `flowcsv${crypto.randomUUID().slice(0, 8)}`;
  const a = await createUser(sql);
  await topUp(sql, a.userId, 12_345n, `${run}:1`);
  const filters = parseFlowFilters(new Map([["reference", run], ["phone", a.phone]]), "form").filters;
  const ops = await insertStaff(sql, "operations");
  assert.deepEqual(
    await exportFundFlowsCsv(sql, { cipher: testCipher, filters }, await actorFor(sql, ops, "operations")),
    { ok: false, code: "forbidden" },
  );
  const fin = await insertStaff(sql, "finance");
  const result = await exportFundFlowsCsv(
    sql,
    { cipher: testCipher, filters },
    await actorFor(sql, fin, "finance"),
  );
  assert.ok(result.ok);
  assert.equal(result.rows, 2);
  assert.ok(result.csv.startsWith('\uFEFF"分录ID"'));
  assert.match(result.csv, /"-123\.45"/);
  assert.match(result.csv, /"123\.45","123\.45"/);
  const [row] = (await auditRows(sql, "finance.flows_export")).slice(-1);
  assert.equal(row.staff_id, fin.id);
  const detail = row.detail as { filters: { phone: string; reference: string }; rows: number };
  assert.equal(detail.rows, 2);
  assert.equal(detail.filters.reference, run);
  assert.ok(!JSON.stringify(detail).includes(a.phone), "the phone is masked in the audit");
});
