import assert from "node:assert/strict";
import {
  addFeeRule,
  computeFeeFen,
  currentFee,
  currentFees,
  describeFeeRule,
  feeHistory,
  type FeeRuleFormInput,
  parseFeeRuleForm,
} from "../../../domain/payments/fees.ts";
import { permissionsFor } from "../../../domain/staff/permissions.ts";
import { dbTest } from "../../helpers/db.ts";

Deno.test("fees: fixed rule charges its amount whatever the amount", () => {
  assert.equal(computeFeeFen({ kind: "fixed", fixedFen: 200n }, 10_000n), 200n);
  assert.equal(computeFeeFen({ kind: "fixed", fixedFen: 0n }, 1n), 0n);
});

Deno.test("fees: rate rule rounds half-up to the fen", () => {
  const rule = { kind: "rate" as const, rateMicros: 1_000, minFen: null, maxFen: null }; // 0.1%
  assert.equal(computeFeeFen(rule, 100_000n), 100n); // ¥1000 → ¥1.00
  assert.equal(computeFeeFen(rule, 1_500n), 2n); // 1.5 fen → 2
  assert.equal(computeFeeFen(rule, 1_499n), 1n); // 1.499 → 1
  assert.equal(computeFeeFen(rule, 500n), 1n); // 0.5 → 1 (half-up)
  assert.equal(computeFeeFen(rule, 499n), 0n);
  assert.equal(computeFeeFen(rule, 0n), 0n);
  // exact for huge amounts (no floats)
  assert.equal(computeFeeFen(rule, 123_456_789_012_345n), 123_456_789_012n);
  assert.equal(
    computeFeeFen({ kind: "rate", rateMicros: 1_000_000, minFen: null, maxFen: null }, 777n),
    777n,
  );
});

Deno.test("fees: rate rule is bounded by min and max", () => {
  const rule = { kind: "rate" as const, rateMicros: 1_000, minFen: 100n, maxFen: 2_500n };
  assert.equal(computeFeeFen(rule, 1_000n), 100n); // 1 fen → min ¥1
  assert.equal(computeFeeFen(rule, 500_000n), 500n);
  assert.equal(computeFeeFen(rule, 100_000_000n), 2_500n); // ¥100,000 → capped ¥25
});

Deno.test("fees: bad inputs throw", () => {
  assert.throws(() => computeFeeFen({ kind: "fixed", fixedFen: 1n }, -1n), RangeError);
  assert.throws(() => computeFeeFen({ kind: "rate", rateMicros: 1_000_001, minFen: null, maxFen: null }, 1n));
  assert.throws(() => computeFeeFen({ kind: "rate", rateMicros: 0.5, minFen: null, maxFen: null }, 1n));
});

Deno.test("fees: described in Chinese", () => {
  assert.equal(describeFeeRule({ kind: "fixed", fixedFen: 0n }), "免费");
  assert.equal(describeFeeRule({ kind: "fixed", fixedFen: 200n }), "每笔 ¥2.00");
  assert.equal(
    describeFeeRule({ kind: "rate", rateMicros: 1_000, minFen: 100n, maxFen: 2_500n }),
    "0.10%，最低 ¥1.00，最高 ¥25.00",
  );
  assert.equal(describeFeeRule({ kind: "rate", rateMicros: 0, minFen: null, maxFen: null }), "免费");
});

const base: FeeRuleFormInput = {
  businessType: "withdrawal",
  kind: "rate",
  fixedYuan: "",
  ratePercent: "0.1",
  minYuan: "1",
  maxYuan: "25",
  effectiveDate: "",
  note: "",
};
const NOW = new Date("2026-06-15T04:00:00Z"); // 12:00 Shanghai

Deno.test("fees: form parsing accepts a valid rule and refuses bad input field by field", () => {
  const ok = parseFeeRuleForm(base, NOW);
  assert.ok(ok.ok);
  assert.deepEqual(ok.rule, { kind: "rate", rateMicros: 1_000, minFen: 100n, maxFen: 2_500n });
  assert.equal(ok.effectiveFrom.getTime(), NOW.getTime());

  const future = parseFeeRuleForm({ ...base, effectiveDate: "2026-06-16" }, NOW);
  assert.ok(future.ok);
  assert.equal(future.effectiveFrom.toISOString(), "2026-06-15T16:00:00.000Z");

  const cases: [Partial<FeeRuleFormInput>, string][] = [
    [{ businessType: "lunch" }, "businessType"],
    [{ kind: "percent" }, "kind"],
    [{ ratePercent: "0.12345" }, "ratePercent"],
    [{ ratePercent: "101" }, "ratePercent"],
    [{ ratePercent: "-1" }, "ratePercent"],
    [{ minYuan: "1.234" }, "minYuan"],
    [{ minYuan: "30" }, "maxYuan"],
    [{ effectiveDate: "2026-06-15" }, "effectiveDate"], // today: would rewrite today's past
    [{ effectiveDate: "2026-06-14" }, "effectiveDate"],
    [{ effectiveDate: "2026-02-30" }, "effectiveDate"],
    [{ kind: "fixed", fixedYuan: "" }, "fixedYuan"],
    [{ kind: "fixed", fixedYuan: "0.001" }, "fixedYuan"],
    [{ note: "字".repeat(201) }, "note"],
  ];
  for (const [patch, field] of cases) {
    const r = parseFeeRuleForm({ ...base, ...patch }, NOW);
    assert.ok(!r.ok, JSON.stringify(patch));
    assert.ok(r.fields[field]?.length, `${JSON.stringify(patch)} → ${JSON.stringify(r.fields)}`);
  }
});

async function financeStaff(sql: Parameters<Parameters<typeof dbTest>[1]>[0], role = "finance") {
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${"fee" + crypto.randomUUID().slice(0, 8)}, '费率员', ${role}, 'x') returning id`;
  return { id: String(row.id), permissions: permissionsFor(role) };
}

dbTest("fees: a new rule takes effect at its date; the old one stays in history; audited", async (sql) => {
  const staff = await financeStaff(sql);
  // a far-future date so parallel tests on the shared database are not affected
  const now = new Date();
  const at = new Date("2090-01-01T00:00:00+08:00");
  const before = await currentFee(sql, "transfer_fee", at);
  assert.ok(before, "the migration sets an initial rule");
  const r = await addFeeRule(
    sql,
    {
      ...base,
      businessType: "transfer_fee",
      ratePercent: "0.5",
      minYuan: "",
      maxYuan: "",
      effectiveDate: "2089-12-31",
      note: "测试调整",
    },
    { staff, ip: "10.0.0.1" },
    now,
  );
  assert.ok(r.ok, JSON.stringify(r));
  const after = await currentFee(sql, "transfer_fee", at);
  assert.equal(after?.id, r.ruleId);
  assert.deepEqual(after?.rule, { kind: "rate", rateMicros: 5_000, minFen: null, maxFen: null });
  // the day before, the previous rule is still in force
  const dayBefore = await currentFee(sql, "transfer_fee", new Date("2089-12-30T00:00:00+08:00"));
  assert.notEqual(dayBefore?.id, r.ruleId);
  const all = await currentFees(sql, at);
  assert.equal(all.transfer_fee?.id, r.ruleId);
  assert.ok(all.withdrawal);
  const history = await feeHistory(sql);
  assert.ok(history.some((h) => h.id === r.ruleId && h.createdBy === staff.id));
  const [audit] = await sql<{ action: string; detail: Record<string, unknown> }[]>`
    select action, detail from audit_log where target = ${"fee_rule:" + r.ruleId}`;
  assert.equal(audit.action, "fee.rule_add");
  assert.equal(audit.detail.businessType, "transfer_fee");

  // the same type and date again: refused, nothing written
  const dup = await addFeeRule(
    sql,
    {
      ...base,
      businessType: "transfer_fee",
      effectiveDate: "2089-12-31",
    },
    { staff, ip: null },
    now,
  );
  assert.deepEqual(dup, { ok: false, code: "duplicate_date" });
});

dbTest("fees: staff without finance.fees cannot add a rule", async (sql) => {
  const staff = await financeStaff(sql, "customer_service");
  const r = await addFeeRule(sql, base, { staff, ip: null });
  assert.deepEqual(r, { ok: false, code: "forbidden" });
});

dbTest("fees: bad input changes nothing", async (sql) => {
  const staff = await financeStaff(sql);
  const [{ n: before }] = await sql<{ n: bigint }[]>`select count(*) as n from fee_rules`;
  const r = await addFeeRule(sql, { ...base, ratePercent: "abc" }, { staff, ip: null });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.code, "invalid_input");
  const [{ n: after }] = await sql<{ n: bigint }[]>`select count(*) as n from fee_rules`;
  assert.equal(after, before);
});
