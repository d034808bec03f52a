import assert from "node:assert/strict";
import { DEMO_USERS } from "../../../db/seed.ts";
import { seededTestApp, testCipher } from "../../helpers/forms.ts";
import { loadConfig } from "../../../config.ts";
import { createGateways } from "../../../integrations/gateways.ts";
import { DEMO_CARDS, seedIdentities } from "../../../domain/identity/seed.ts";
import { getCustodyAccount, getVerifiedIdentity } from "../../../domain/identity/identity.ts";
import { listActiveCards } from "../../../domain/identity/bank_card.ts";
import { SANDBOX_IDENTITIES } from "../../../domain/gateways/identity.ts";
import { checkCardNumber } from "../../../domain/identity/bank_bin.ts";

Deno.test({
  name: "seed: demo users verified, custody accounts open at the sandbox bank, one card each; idempotent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await seededTestApp();
    const sql = app.sql;
    for (const [i, u] of DEMO_USERS.entries()) {
      const [row] = await sql<{ id: string }[]>`select id from users where phone_hash = ${await testCipher
        .hash(u.phone)}`;
      const identity = await getVerifiedIdentity(sql, testCipher, row.id);
      assert.deepEqual({ realName: identity?.realName, idNumber: identity?.idNumber }, SANDBOX_IDENTITIES[i]);
      const account = await getCustodyAccount(sql, row.id);
      assert.equal(account?.status, "open");
      const bank = createGateways(loadConfig({ APP_ENV: "test" }), sql).custody.sandbox;
      assert.equal(
        await bank?.accountNoOf(row.id),
        account?.accountNo,
        "the sandbox bank has the same account",
      );
      const cards = await listActiveCards(sql, row.id);
      assert.equal(cards.length, 1);
      assert.equal(cards[0].isDefault, true);
      assert.equal(cards[0].last4, DEMO_CARDS[i].slice(-4));
    }
    for (const c of DEMO_CARDS) assert.ok(checkCardNumber(c).ok, c);
    const again = await seedIdentities(sql, {
      pii: testCipher,
      custody: createGateways(loadConfig({ APP_ENV: "test" }), sql).custody,
    }, DEMO_USERS.map((u) => u.phone));
    assert.deepEqual(again, { verified: 0, accountsOpened: 0, cardsBound: 0 });
  },
});
