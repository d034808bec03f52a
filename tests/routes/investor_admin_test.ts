/**
 * The staff pages of the investor side: /admin/risk-levels (risk.rules) and /admin/referral
 * (content.manage) — permission, menu, validation (422, nothing changed), audit.
 */
import assert from "node:assert/strict";
import { ruleForLevel } from "../../domain/investor/risk_assessment.ts";
import { listReferralRules } from "../../domain/investor/referral.ts";
import { Client, seededTestApp } from "../helpers/forms.ts";

const PASSWORD = "Demo@2026!";

async function staff(username: string): Promise<Client> {
  const c = new Client(seededTestApp());
  const res = await c.staffLogin(username, PASSWORD);
  assert.equal(res.status, 303, `log-in of ${username} failed: ${res.status} ${res.html.slice(0, 200)}`);
  return c;
}

Deno.test({
  name: "/admin/risk-levels: risk staff change a level with a reason (audited); bad input 422; others 403",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await seededTestApp();
    const cs = await staff("cs");
    assert.equal((await cs.get("/admin/risk-levels")).status, 403);
    assert.equal((await cs.get("/admin/referral")).status, 403);

    const risk = await staff("risk");
    const page = await risk.get("/admin/risk-levels");
    assert.equal(page.status, 200);
    assert.match(page.html, /href="\/admin\/risk-levels"[^>]*>风险等级</);
    assert.match(page.html, /修改历史/);
    const before = await ruleForLevel(app.sql, "C2");
    const bad = await risk.post("/admin/risk-levels", {
      level: "C2",
      perBidLimit: "abc",
      totalLimit: "100",
      reason: "",
    });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /请至少选择一个可出借的项目风险等级/);
    assert.match(bad.html, /请填写修改原因/);
    assert.deepEqual(await ruleForLevel(app.sql, "C2"), before);

    const body = new URLSearchParams({
      _csrf: risk.csrf,
      level: "C2",
      perBidLimit: "30000",
      totalLimit: "150000",
      reason: "测试调整",
    });
    body.append("grades", "R1");
    body.append("grades", "R2");
    const ok = await risk.send("/admin/risk-levels", {
      method: "POST",
      headers: { origin: "http://localhost" },
      body,
    });
    assert.equal(ok.status, 303);
    const after = await ruleForLevel(app.sql, "C2");
    assert.equal(after!.perBidLimitFen, 3_000_000n);
    const [audit] = await app.sql<{ n: bigint }[]>`
      select count(*) as n from audit_log where action = 'risk_rules.update' and target = 'risk_level:C2'`;
    assert.ok(audit.n >= 1n);
    // restore
    const restore = new URLSearchParams({
      _csrf: risk.csrf,
      level: "C2",
      perBidLimit: String(before!.perBidLimitFen / 100n),
      totalLimit: String(before!.totalOutstandingLimitFen / 100n),
      reason: "恢复默认",
    });
    for (const g of before!.allowedGrades) restore.append("grades", g);
    await risk.send("/admin/risk-levels", {
      method: "POST",
      headers: { origin: "http://localhost" },
      body: restore,
    });
    // the risk role cannot edit referral rules
    assert.equal((await risk.get("/admin/referral")).status, 403);
  },
});

Deno.test({
  name: "/admin/referral: operations staff set an amount (audited); bad amounts 422",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await seededTestApp();
    const ops = await staff("ops");
    const page = await ops.get("/admin/referral");
    assert.equal(page.status, 200);
    assert.match(page.html, /好友首次出借/);
    const current = (await listReferralRules(app.sql)).find((r) => r.milestone === "first_top_up")!;
    const bad = await ops.post("/admin/referral", {
      milestone: "first_top_up",
      amount: "0.001",
      active: "on",
    });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /请输入金额/);
    assert.deepEqual((await listReferralRules(app.sql)).find((r) => r.milestone === "first_top_up"), current);
    const ok = await ops.post("/admin/referral", { milestone: "first_top_up", amount: "12.50" });
    assert.equal(ok.status, 303);
    const after = (await listReferralRules(app.sql)).find((r) => r.milestone === "first_top_up")!;
    assert.equal(after.amountFen, 1250n);
    assert.equal(after.active, false);
    const yuan = `${current.amountFen / 100n}.${String(current.amountFen % 100n).padStart(2, "0")}`;
    await ops.post("/admin/referral", {
      milestone: "first_top_up",
      amount: yuan,
      ...(current.active ? { active: "on" } : {}),
    });
  },
});
