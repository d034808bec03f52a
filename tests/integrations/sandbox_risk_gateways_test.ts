import * as assert from "node:assert/strict";
import { SANDBOX_BLACKLIST_IDS, SANDBOX_BLACKLIST_NAME } from "../../domain/gateways/blacklist.ts";
import {
  SANDBOX_BUREAU_HIGH_DEBT_ID,
  SANDBOX_BUREAU_OVERDUE_ID,
  SANDBOX_BUREAU_UNAVAILABLE_ID,
} from "../../domain/gateways/credit_bureau.ts";
import { SANDBOX_IDENTITIES } from "../../domain/gateways/identity.ts";
import { checkIdNumber } from "../../domain/identity/id_number.ts";
import { createSandboxBlacklist } from "../../integrations/sandbox_blacklist.ts";
import { createSandboxCreditBureau } from "../../integrations/sandbox_credit_bureau.ts";

const bureau = createSandboxCreditBureau();
const blacklist = createSandboxBlacklist();
const ask = (idNumber: string, realName = "张三") => ({ realName, idNumber, requestId: "t-1" });

Deno.test("sandbox credit bureau: deterministic clean reports; documented special IDs and names", async () => {
  for (const id of [SANDBOX_BUREAU_HIGH_DEBT_ID, SANDBOX_BUREAU_OVERDUE_ID, SANDBOX_BUREAU_UNAVAILABLE_ID]) {
    assert.ok(checkIdNumber(id).ok, `${id} is a valid ID number`);
  }
  for (const identity of SANDBOX_IDENTITIES) {
    const a = await bureau.fetchReport(ask(identity.idNumber, identity.realName));
    const b = await bureau.fetchReport(ask(identity.idNumber, identity.realName));
    assert.ok(a.ok && b.ok);
    assert.equal(a.report.otherPlatformOutstandingFen, b.report.otherPlatformOutstandingFen);
    assert.equal(a.report.overdueCount6m, 0);
    assert.ok(a.report.otherPlatformOutstandingFen < 5_000_000n);
    assert.equal(a.report.otherPlatformLoanCount === 0, a.report.otherPlatformOutstandingFen === 0n);
  }
  const high = await bureau.fetchReport(ask(SANDBOX_BUREAU_HIGH_DEBT_ID));
  assert.ok(high.ok);
  assert.equal(high.report.otherPlatformOutstandingFen, 120_000_000n);
  const highByName = await bureau.fetchReport(ask(SANDBOX_IDENTITIES[0].idNumber, "多头借贷"));
  assert.ok(highByName.ok && highByName.report.otherPlatformOutstandingFen === 120_000_000n);
  const overdue = await bureau.fetchReport(ask(SANDBOX_BUREAU_OVERDUE_ID));
  assert.ok(overdue.ok);
  assert.equal(overdue.report.overdueCount6m, 3);
  assert.equal(overdue.report.maxOverdueDays6m, 45);
  const down = await bureau.fetchReport(ask(SANDBOX_BUREAU_UNAVAILABLE_ID));
  assert.deepEqual(down.ok ? null : down.code, "unavailable");
  const downByName = await bureau.fetchReport(ask(SANDBOX_IDENTITIES[0].idNumber, "系统繁忙"));
  assert.equal(downByName.ok, false);
  assert.deepEqual(await bureau.ping!(), { ok: true, message: (await bureau.ping!()).message });
});

Deno.test("sandbox external blacklist: the documented hit list, unavailable for 系统繁忙", async () => {
  for (const id of SANDBOX_BLACKLIST_IDS) {
    assert.ok(checkIdNumber(id).ok);
    assert.deepEqual(await blacklist.check(ask(id)), {
      ok: true,
      hit: true,
      sources: ["法院失信被执行人名单"],
    });
  }
  const byName = await blacklist.check(ask(SANDBOX_IDENTITIES[0].idNumber, SANDBOX_BLACKLIST_NAME));
  assert.ok(byName.ok && byName.hit);
  for (const identity of SANDBOX_IDENTITIES) {
    assert.deepEqual(await blacklist.check(ask(identity.idNumber, identity.realName)), {
      ok: true,
      hit: false,
      sources: [],
    });
  }
  const down = await blacklist.check(ask(SANDBOX_IDENTITIES[0].idNumber, "系统繁忙"));
  assert.equal(down.ok, false);
  assert.ok((await blacklist.ping!()).ok);
});
