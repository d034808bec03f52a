/**
 * 第三方设置 in the domain: gateways listed generically, live mode refused without a real implementation,
 * credentials encrypted and shown only as 「已设置 ····1234」, 测试连接 through `ping()`, every change
 * audited (names, never values), system.config required.
 */
import assert from "node:assert/strict";
import {
  credentialDisplay,
  gatewayEntries,
  listGatewaySettings,
  readGatewayCredentials,
  removeGatewayCredential,
  setGatewayCredential,
  setGatewayMode,
  testGatewayConnection,
} from "../../../domain/admin/gateway_settings.ts";
import { createSandboxEmail } from "../../../integrations/sandbox_email.ts";
import { createSandboxSms } from "../../../integrations/sandbox_sms.ts";
import type { Db } from "../../../db/tx.ts";
import { dbTest } from "../../helpers/db.ts";
import { testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";

function fakeGateways(sql: Db) {
  return {
    sms: createSandboxSms(sql),
    email: createSandboxEmail(sql),
    broken: {
      name: "sandbox",
      ping: () => Promise.reject(new Error("boom")),
    },
    silent: { name: "sandbox" },
    sandboxLog: { list: () => Promise.resolve([]) },
  };
}

dbTest(
  "gateway settings: every gateway field is listed (not the sandbox log), sandbox by default",
  async (sql) => {
    const gateways = fakeGateways(sql);
    assert.deepEqual(gatewayEntries(gateways).map((e) => e.key), ["sms", "email", "broken", "silent"]);
    const list = await listGatewaySettings(sql, gateways);
    const sms = list.find((g) => g.key === "sms")!;
    assert.equal(sms.label, "短信");
    assert.equal(sms.mode, "sandbox");
    assert.equal(sms.liveAvailable, false);
    assert.equal(sms.canPing, true);
    assert.equal(list.find((g) => g.key === "silent")!.canPing, false);
  },
);

dbTest(
  "gateway settings: live mode is refused without a real implementation; modes are audited",
  async (sql) => {
    const gateways = fakeGateways(sql);
    const tech = await insertStaff(sql, "tech");
    const actor = await actorFor(sql, tech, "tech");
    assert.deepEqual(await setGatewayMode(sql, { gateways, gateway: "sms", mode: "live" }, actor), {
      ok: false,
      code: "live_unavailable",
    });
    const bad = await setGatewayMode(sql, { gateways, gateway: "sms", mode: "test" }, actor);
    assert.equal(bad.ok || bad.code, "invalid_input");
    assert.deepEqual(await setGatewayMode(sql, { gateways, gateway: "nope", mode: "sandbox" }, actor), {
      ok: false,
      code: "unknown_gateway",
    });
    assert.deepEqual(await setGatewayMode(sql, { gateways, gateway: "silent", mode: "sandbox" }, actor), {
      ok: true,
      changed: false,
    });
    const ops = await insertStaff(sql, "operations");
    assert.deepEqual(
      await setGatewayMode(
        sql,
        { gateways, gateway: "sms", mode: "sandbox" },
        await actorFor(sql, ops, "operations"),
      ),
      { ok: false, code: "forbidden" },
    );
    assert.equal((await auditRows(sql, "gateway.mode", "gateway:sms")).length, 0);
  },
);

dbTest(
  "gateway settings: credentials are encrypted, never listed, replaced and removed with audit",
  async (sql) => {
    const gateways = fakeGateways(sql);
    const tech = await insertStaff(sql, "tech");
    const actor = await actorFor(sql, tech, "tech");
    const secret = "sk_live_abcdefghijkl1234";
    assert.deepEqual(
      await setGatewayCredential(sql, {
        gateways,
        cipher: testCipher,
        gateway: "email",
        name: "apiKey",
        value: secret,
      }, actor),
      { ok: true, changed: true },
    );
    const [stored] = await sql<{ value_enc: Uint8Array; hint: string }[]>`
    select value_enc, hint from gateway_credentials where gateway = 'email' and name = 'apiKey'`;
    assert.ok(!new TextDecoder().decode(stored.value_enc).includes(secret), "stored encrypted");
    assert.equal(stored.hint, "1234");
    const view = (await listGatewaySettings(sql, gateways)).find((g) => g.key === "email")!;
    assert.deepEqual(view.credentials.map((c) => [c.name, c.display]), [["apiKey", "已设置 ····1234"]]);
    assert.ok(!JSON.stringify(view).includes(secret));
    assert.equal(credentialDisplay(null), "已设置");
    assert.deepEqual((await readGatewayCredentials(sql, testCipher, "email")).credentials, {
      apiKey: secret,
    });

    await setGatewayCredential(sql, {
      gateways,
      cipher: testCipher,
      gateway: "email",
      name: "apiKey",
      value: "short",
    }, actor);
    assert.equal(
      (await listGatewaySettings(sql, gateways)).find((g) => g.key === "email")!.credentials[0].display,
      "已设置",
    );
    const rows = await auditRows(sql, "gateway.credential_set", "gateway:email");
    assert.deepEqual(rows.map((r) => r.detail), [{ name: "apiKey", replaced: false }, {
      name: "apiKey",
      replaced: true,
    }]);
    assert.ok(!JSON.stringify(rows).includes(secret));

    const bad = await setGatewayCredential(sql, {
      gateways,
      cipher: testCipher,
      gateway: "email",
      name: "1bad name",
      value: "",
    }, actor);
    assert.ok(!bad.ok && bad.code === "invalid_input" && bad.fields.name && bad.fields.value);

    assert.deepEqual(
      await removeGatewayCredential(sql, { gateways, gateway: "email", name: "apiKey" }, actor),
      {
        ok: true,
        changed: true,
      },
    );
    assert.deepEqual(
      await removeGatewayCredential(sql, { gateways, gateway: "email", name: "apiKey" }, actor),
      {
        ok: true,
        changed: false,
      },
    );
    assert.equal((await auditRows(sql, "gateway.credential_remove", "gateway:email")).length, 1);
  },
);

dbTest("gateway settings: test connection pings the gateway and audits the outcome", async (sql) => {
  const gateways = fakeGateways(sql);
  const tech = await insertStaff(sql, "tech");
  const actor = await actorFor(sql, tech, "tech");
  const ok = await testGatewayConnection(sql, { gateways, gateway: "sms" }, actor);
  assert.ok(ok.ok && ok.ping.ok);
  const broken = await testGatewayConnection(sql, { gateways, gateway: "broken" }, actor);
  assert.ok(broken.ok && !broken.ping.ok && broken.ping.code === "unavailable");
  assert.deepEqual(await testGatewayConnection(sql, { gateways, gateway: "silent" }, actor), {
    ok: false,
    code: "no_ping",
  });
  const rows = await auditRows(sql, "gateway.test");
  assert.deepEqual(rows.slice(-2).map((r) => [r.target, r.detail]), [
    ["gateway:sms", { ok: true, code: null }],
    ["gateway:broken", { ok: false, code: "unavailable" }],
  ]);
});
