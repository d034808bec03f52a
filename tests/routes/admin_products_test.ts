import assert from "node:assert/strict";
import { appTest, mainOf } from "../helpers/forms.ts";
import { actorFor, auditRows, insertStaff, staffBrowser } from "../helpers/staff_fixtures.ts";
import { getProduct, parseProductForm, updateProduct } from "../../domain/lending/products.ts";
import { productId } from "../domain/borrowing/fixtures.ts";

/** The edit form of a product as its page shows it (hidden CSRF added by the client). */
function formOf(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input id="f-(\w+)" name="\w+" type="text" value="([^"]*)"/g)) {
    out[m[1]] = m[2];
  }
  for (const m of html.matchAll(/<select id="f-(\w+)"[^>]*>[\s\S]*?<option value="(\w+)" selected/g)) {
    out[m[1]] = m[2];
  }
  for (const m of html.matchAll(/<input type="checkbox" name="(\w+)"(?: value="(\w+)")? checked/g)) {
    if (!m[2]) out[m[1]] = "on";
  }
  return out;
}

appTest(
  "admin products: list and edit need risk.rules; bad input is shown per field and changes nothing",
  async (app) => {
    const cs = await staffBrowser(app, app.sql, "customer_service");
    assert.equal((await cs.client.get("/admin/products")).status, 403);
    const id = await productId(app.sql, "car_loan");
    const { client, staffId } = await staffBrowser(app, app.sql, "risk");
    const list = await client.get("/admin/products");
    assert.equal(list.status, 200);
    assert.match(list.html, /车贷/);
    assert.match(list.html, /借款产品/);
    const edit = await client.get(`/admin/products/${id}`);
    assert.equal(edit.status, 200);
    const before = await getProduct(app.sql, id);
    const fields = formOf(edit.html);
    assert.equal(fields.rateAMin, "5.5");
    const body = new URLSearchParams({
      _csrf: client.csrf,
      ...fields,
      rateBMin: "12",
      rateBMax: "9",
      minAmountYuan: "x",
    });
    body.append("methods", "equal_installment");
    const bad = await client.send(`/admin/products/${id}`, {
      method: "POST",
      headers: { origin: "http://localhost" },
      body,
    });
    assert.equal(bad.status, 422);
    assert.match(mainOf(bad.html), /请输入最低借款金额（元）/);
    const again = await getProduct(app.sql, id);
    assert.deepEqual(again, before);

    const good = new URLSearchParams({ _csrf: client.csrf, ...fields, rateAMax: "7.8", biddingDays: "5" });
    good.append("methods", "equal_installment");
    good.append("methods", "interest_first");
    const saved = await client.send(`/admin/products/${id}`, {
      method: "POST",
      headers: { origin: "http://localhost" },
      body: good,
    });
    assert.equal(saved.status, 303);
    const after = await getProduct(app.sql, id);
    assert.equal(after!.gradeRates.A.maxRateMicros, 78_000);
    assert.equal(after!.biddingDays, 5);
    const audit = (await auditRows(app.sql, "product.update", `loan_product:${id}`)).filter((r) =>
      r.staff_id === staffId
    );
    assert.equal(audit.length, 1);
    const changes = audit[0].detail.changes as Record<string, unknown>;
    assert.deepEqual(Object.keys(changes).sort(), ["biddingDays", "gradeRates"]);
  },
);

Deno.test("products: the form's rules between fields", () => {
  const base = {
    name: "车贷",
    description: "",
    borrowerKind: "person",
    minAmountYuan: "20000",
    maxAmountYuan: "200000",
    termUnit: "month",
    terms: "6, 12，24 36",
    methods: ["equal_installment"],
    rates: {
      AMin: "5.5",
      AMax: "7.5",
      BMin: "6.5",
      BMax: "9",
      CMin: "8",
      CMax: "10.5",
      DMin: "9.5",
      DMax: "12.5",
      EMin: "11.5",
      EMax: "14.5",
    },
    serviceFeePercent: "2",
    interestManagementFeePercent: "10",
    minBidYuan: "100",
    bidUnitYuan: "100",
    biddingDays: "7",
    newbieOnly: "",
    prepaymentAllowed: "on",
    prepaymentFeePercent: "1",
    penaltyDayPercent: "0.05",
    penaltyDayPercentAfter30: "0.07",
    accelerationDays: "30",
    active: "on",
  };
  const ok = parseProductForm(base);
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.deepEqual(ok.settings.terms, [6, 12, 24, 36]);
    assert.equal(ok.settings.penaltyDayMicros, 500);
    assert.equal(ok.settings.minAmountFen, 2_000_000n);
    assert.equal(ok.settings.newbieOnly, false);
  }
  const bad = parseProductForm({
    ...base,
    maxAmountYuan: "10000",
    termUnit: "day",
    methods: ["equal_installment", "nope"],
    rates: { ...base.rates, CMin: "11" },
    serviceFeePercent: "30",
    biddingDays: "0",
  });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.ok(bad.fields.methods);
  assert.ok(bad.fields.serviceFeePercent);
  assert.ok(bad.fields.biddingDays);
  const rel = parseProductForm({ ...base, maxAmountYuan: "10000", rates: { ...base.rates, CMin: "11" } });
  assert.equal(rel.ok, false);
  if (rel.ok) return;
  assert.deepEqual(rel.fields.maxAmountYuan, ["最高借款金额不能低于最低借款金额"]);
  assert.deepEqual(rel.fields.rateCMax, ["C 级最高年利率不能低于最低年利率"]);
  const days = parseProductForm({ ...base, termUnit: "day", terms: "7, 14" });
  assert.equal(!days.ok && days.fields.methods?.[0], "按天计的短期借款只能选择到期还本付息");
});

appTest("products: updateProduct refuses staff without risk.rules", async (app) => {
  const finance = await insertStaff(app.sql, "finance");
  const actor = await actorFor(app.sql, finance, "finance");
  const id = await productId(app.sql, "personal_credit");
  const r = await updateProduct(app.sql, actor, { productId: id } as never);
  assert.deepEqual(r, { ok: false, code: "forbidden" });
});
