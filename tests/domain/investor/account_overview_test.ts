/** The account centre's money views: overview, month movements, records filter, CSV — both databases. */
import assert from "node:assert/strict";
import { type Db, transaction } from "../../../db/tx.ts";
import { postEntry, type PostingLine } from "../../../domain/ledger/ledger.ts";
import {
  assetOverview,
  monthMovements,
  parseRecordsQuery,
  recordsCsv,
  recordsPage,
} from "../../../domain/investor/account_overview.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser } from "../../helpers/forms.ts";

async function post(
  sql: Db,
  businessType: "top_up" | "freeze" | "adjustment",
  lines: PostingLine[],
  memo?: string,
) {
  await transaction(sql, async (tx) => {
    const r = await postEntry(tx, {
      businessType,
      reference: `test:${crypto.randomUUID()}`,
      idempotencyKey: `test:${crypto.randomUUID()}`,
      memo,
      lines,
    });
    assert.ok(r.ok, JSON.stringify(r, (_, v) => typeof v === "bigint" ? String(v) : v));
  });
}

Deno.test("parseRecordsQuery: types, Shanghai day bounds (inclusive), bad values per field, page", () => {
  const ok = parseRecordsQuery(new URLSearchParams("type=top_up&from=2026-11-01&to=2026-11-30&page=3"));
  assert.ok(ok.ok);
  assert.deepEqual(ok.filter.businessTypes, ["top_up"]);
  assert.equal(ok.filter.from!.toISOString(), "2026-10-31T16:00:00.000Z");
  assert.equal(ok.filter.to!.toISOString(), "2026-11-30T16:00:00.000Z");
  assert.equal(ok.page, 3);
  const all = parseRecordsQuery(new URLSearchParams(""));
  assert.ok(all.ok);
  assert.deepEqual(all.filter, { businessTypes: [] });
  assert.equal(all.page, 1);
  const bad = parseRecordsQuery(new URLSearchParams("type=drop table&from=2026-13-01&to=x&page=-2"));
  assert.ok(!bad.ok);
  assert.deepEqual(Object.keys(bad.fields).sort(), ["from", "to", "type"]);
  assert.equal(bad.page, 1);
  const inverted = parseRecordsQuery(new URLSearchParams("from=2026-11-02&to=2026-11-01"));
  assert.ok(!inverted.ok);
  assert.deepEqual(inverted.fields.to, ["结束日期不能早于开始日期"]);
});

dbTest(
  "overview and month movements: a freeze is neither in nor out; days of the whole month",
  async (sql) => {
    const { userId } = await createUser(sql);
    await post(sql, "top_up", [
      { account: { kind: "custody_clearing" }, amountFen: -50_000n },
      { account: { kind: "user_available", userId }, amountFen: 50_000n },
    ]);
    await post(sql, "freeze", [
      { account: { kind: "user_available", userId }, amountFen: -20_000n },
      { account: { kind: "user_frozen", userId }, amountFen: 20_000n },
    ]);
    await post(sql, "adjustment", [
      { account: { kind: "user_available", userId }, amountFen: -1_000n },
      { account: { kind: "custody_clearing" }, amountFen: 1_000n },
    ], '=HYPERLINK("x")');
    const o = await assetOverview(sql, userId);
    assert.deepEqual(o, {
      availableFen: 29_000n,
      frozenFen: 20_000n,
      rewardFen: 0n,
      pendingReceivablesFen: 0n,
      receivedFen: 0n,
      totalFen: 49_000n,
    });
    const days = await monthMovements(sql, userId);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    assert.equal(days[0].day, `${today.slice(0, 8)}01`);
    assert.ok(days.length >= 28 && days.length <= 31);
    assert.ok(days.every((d) => d.day.slice(0, 7) === today.slice(0, 7)));
    const t = days.find((d) => d.day === today)!;
    assert.deepEqual(t, { day: today, inFen: 50_000n, outFen: 1_000n });
    assert.equal(days.reduce((s, d) => s + d.inFen + d.outFen, 0n), 51_000n);

    const page = await recordsPage(sql, userId, { businessTypes: [] }, 99);
    assert.equal(page.page, 1, "a page beyond the last shows the last");
    assert.equal(page.total, 4n);
    const csv = await recordsCsv(sql, userId, { businessTypes: ["adjustment"] });
    assert.equal(csv.rows, 1);
    assert.ok(csv.csv.startsWith("\uFEFF"));
    assert.match(
      csv.csv,
      /,-10\.00,290\.00,"'=HYPERLINK\(""x""\)"\r\n$/,
      "formulas neutralised, signed yuan",
    );
  },
);
