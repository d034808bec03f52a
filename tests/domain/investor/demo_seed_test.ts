/** The investor-side demo data: assessments, confirmations and invitees; seeding twice changes nothing. */
import assert from "node:assert/strict";
import { DEMO_USERS } from "../../../db/seed.ts";
import { investorBidPermission } from "../../../domain/investor/risk_assessment.ts";
import { hasConfirmedRiskDisclosure } from "../../../domain/investor/risk_disclosure.ts";
import { listInvitees } from "../../../domain/investor/referral.ts";
import { seedInvestorDemo } from "../../../domain/investor/demo_seed.ts";
import { seededTestApp, testCipher } from "../../helpers/forms.ts";

Deno.test({
  name: "demo investors: C3/C4 assessments, confirmed disclosure, two verified invitees; idempotent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await seededTestApp({ lending: true });
    const phones = DEMO_USERS.filter((u) => u.kind === "investor").map((u) => u.phone);
    await seedInvestorDemo(app.sql, testCipher, phones); // a second run
    const ids: string[] = [];
    for (const phone of phones) {
      const [row] = await app.sql<{ id: string }[]>`select id from users where phone_hash = ${await testCipher
        .hash(phone)}`;
      ids.push(row.id);
    }
    const first = await investorBidPermission(app.sql, ids[0]);
    const second = await investorBidPermission(app.sql, ids[1]);
    assert.ok(first.ok && second.ok);
    assert.equal(first.level, "C3");
    assert.equal(second.level, "C4");
    assert.ok(await hasConfirmedRiskDisclosure(app.sql, ids[0]));
    const [count] = await app.sql<
      { n: bigint }[]
    >`select count(*) as n from risk_assessments where user_id = ${ids[0]}`;
    assert.equal(count.n, 1n);
    const invitees = await listInvitees(app.sql, testCipher, ids[0]);
    // the second investor has bid in the lending demo (domain/lending/demo_seed.ts): 已投资
    assert.deepEqual(invitees.map((i) => i.status), ["verified", "invested"]);
  },
});
