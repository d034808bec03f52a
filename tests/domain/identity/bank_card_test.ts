import assert from "node:assert/strict";
import { loadConfig } from "../../../config.ts";
import { createGateways } from "../../../integrations/gateways.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { createUser, TEST_PASSWORD, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import type { Db } from "../../../db/tx.ts";
import {
  addBankCard,
  getCardSecrets,
  listActiveCards,
  MAX_ACTIVE_CARDS,
  type ReauthProof,
  removeBankCard,
  setDefaultCard,
} from "../../../domain/identity/bank_card.ts";
import { makeCardNumber } from "../../../domain/identity/bank_bin.ts";
import { verifyIdentity } from "../../../domain/identity/identity.ts";
import { makeIdNumber } from "../../../domain/identity/id_number.ts";
import { sendOwnSmsCode } from "../../../domain/accounts/reauth.ts";

const config = loadConfig({ APP_ENV: "test" });

let seq = 0;
function freshCard(prefix = "622202"): string {
  const n = String(Date.now() % 1e8).padStart(8, "0") + String(seq++ % 1000).padStart(3, "0") + "1";
  return makeCardNumber(prefix, n);
}

function deps(sql: Db) {
  return { pii: testCipher, outbox: testOutbox, gateways: createGateways(config, sql) };
}

/** The login password as the proof of ownership. */
const BY_PASSWORD: ReauthProof = { method: "login_password", password: TEST_PASSWORD };

/** {@link addBankCard} of `cardNumber` for `userId` with `proof` (by default the login password). */
function addCard(
  sql: Db,
  d: ReturnType<typeof deps>,
  userId: string,
  cardNumber: string,
  reservedPhone: string,
  proof: ReauthProof = BY_PASSWORD,
) {
  return addBankCard(sql, { userId, cardNumber, reservedPhone, proof }, d);
}

/** {@link removeBankCard} of `cardId` for `userId` with `proof` (by default the login password). */
function removeCard(
  sql: Db,
  d: ReturnType<typeof deps>,
  userId: string,
  cardId: string,
  proof = BY_PASSWORD,
) {
  return removeBankCard(sql, { userId, cardId, proof }, d);
}

/** A user verified with a fresh identity (the test gateway passes it). */
async function verifiedUser(sql: Db): Promise<{ userId: string; phone: string }> {
  const u = await createUser(sql);
  const n = Number(u.userId) % 100000;
  const id = makeIdNumber(
    "110105",
    `19${50 + (n % 50)}0${1 + (n % 9)}1${n % 9}`,
    String(n % 1000).padStart(3, "0"),
  );
  const r = await verifyIdentity(sql, { userId: u.userId, realName: "张三", idNumber: id }, {
    pii: testCipher,
    outbox: testOutbox,
    gateways: {
      identity: { name: "t", check: () => Promise.resolve({ ok: true, providerReference: "t" }) },
    },
  });
  assert.deepEqual(r, { ok: true }, id);
  return u;
}

dbTest("cards: bad input — Luhn, unsupported bank, phone, password — changes nothing", async (sql) => {
  const { userId, phone } = await verifiedUser(sql);
  const card = freshCard();
  const d = deps(sql);
  const luhn = card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10);
  const r1 = await addCard(sql, d, userId, luhn, "12", { method: "login_password", password: "" });
  assert.ok(!r1.ok && r1.code === "invalid_input");
  assert.ok(!r1.ok && r1.code === "invalid_input" && /校验位/.test(r1.fields.cardNumber![0]));
  assert.ok(!r1.ok && r1.code === "invalid_input" && r1.fields.reservedPhone && r1.fields.password);
  const r2 = await addCard(sql, d, userId, makeCardNumber("123456", "1234567890"), phone);
  assert.ok(!r2.ok && r2.code === "invalid_input" && /暂不支持/.test(r2.fields.cardNumber![0]));
  const r3 = await addCard(sql, d, userId, card, phone, {
    method: "login_password",
    password: "wrong-password",
  });
  assert.ok(!r3.ok && r3.code === "invalid_input" && /登录密码错误/.test(r3.fields.password![0]));
  assert.deepEqual(await listActiveCards(sql, userId), []);
});

dbTest("cards: an unverified user cannot bind; the four-element check refuses a mismatch", async (sql) => {
  const u = await createUser(sql);
  const r = await addCard(sql, deps(sql), u.userId, freshCard(), u.phone);
  assert.ok(!r.ok && r.code === "not_verified");
  const v = await verifiedUser(sql);
  // the sandbox bank: a reserved phone ending in 0000 does not match
  const m = await addCard(sql, deps(sql), v.userId, freshCard(), "13900000000");
  assert.ok(!m.ok && m.code === "mismatch");
  assert.deepEqual(await listActiveCards(sql, v.userId), []);
});

dbTest("cards: add (encrypted, masked), default, one user per card, remove", async (sql) => {
  const { userId, phone } = await verifiedUser(sql);
  const d = deps(sql);
  const first = freshCard("622202");
  const second = freshCard("621483");
  const a = await addCard(sql, d, userId, first.replace(/(\d{4})/g, "$1 "), phone);
  assert.ok(a.ok, JSON.stringify(a));
  const b = await addCard(sql, d, userId, second, phone);
  assert.ok(b.ok);
  let cards = await listActiveCards(sql, userId);
  assert.equal(cards.length, 2);
  assert.equal(cards[0].id, a.cardId, "the first card is the default");
  assert.equal(cards[0].masked, `6222 **** **** ${first.slice(-4)}`);
  assert.equal(cards[0].bankName, "中国工商银行");
  assert.equal(cards[1].bankName, "招商银行");
  const [raw] = await sql<
    { enc: Uint8Array }[]
  >`select card_number_enc as enc from bank_cards where id = ${a.cardId}`;
  assert.ok(!new TextDecoder("latin1").decode(raw.enc).includes(first));
  assert.equal((await getCardSecrets(sql, testCipher, { userId, cardId: a.cardId }))?.cardNumber, first);

  // the same card again, by the same user and by another
  const again = await addCard(sql, d, userId, first, phone);
  assert.ok(!again.ok && again.code === "already_bound");
  const other = await verifiedUser(sql);
  const taken = await addCard(sql, d, other.userId, first, other.phone);
  assert.ok(!taken.ok && taken.code === "card_taken");

  assert.deepEqual(await setDefaultCard(sql, { userId, cardId: b.cardId }), { ok: true });
  cards = await listActiveCards(sql, userId);
  assert.deepEqual(cards.map((c) => [c.id, c.isDefault]), [[b.cardId, true], [a.cardId, false]]);
  // someone else's card: not found
  assert.equal((await setDefaultCard(sql, { userId: other.userId, cardId: a.cardId })).ok, false);

  // removing asks for the password again; the default passes to the other card
  const wrong = await removeCard(sql, d, userId, b.cardId, {
    method: "login_password",
    password: "nope-nope",
  });
  assert.ok(!wrong.ok && wrong.code === "invalid_input");
  assert.deepEqual(
    await removeCard(sql, d, userId, b.cardId),
    {
      ok: true,
    },
  );
  cards = await listActiveCards(sql, userId);
  assert.deepEqual(cards.map((c) => [c.id, c.isDefault]), [[a.cardId, true]]);
  // a removed card can be bound by another user
  const rebind = await addCard(sql, d, other.userId, second, other.phone);
  assert.ok(rebind.ok);
});

dbTest("cards: removal is refused while a withdrawal to the card is pending", async (sql) => {
  const { userId, phone } = await verifiedUser(sql);
  const d = deps(sql);
  const r = await addCard(sql, d, userId, freshCard("622848"), phone);
  assert.ok(r.ok);
  await sql`
    insert into withdrawals (user_id, card_id, amount_fen, fee_fen, net_fen, status, required_approvals, idempotency_key)
    values (${userId}, ${r.cardId}, 10000, 0, 10000, 'pending_review', 0, ${crypto.randomUUID()})`;
  const refused = await removeCard(sql, d, userId, r.cardId);
  assert.ok(!refused.ok && refused.code === "withdrawal_pending");
  await sql`update withdrawals set status = 'rejected' where card_id = ${r.cardId}`;
  assert.deepEqual(
    await removeCard(sql, d, userId, r.cardId),
    {
      ok: true,
    },
  );
});

dbTest("cards: at most five active cards", async (sql) => {
  const { userId, phone } = await verifiedUser(sql);
  const d = deps(sql);
  for (let i = 0; i < MAX_ACTIVE_CARDS; i++) {
    assert.ok(
      (await addCard(sql, d, userId, freshCard(), phone)).ok,
    );
  }
  const r = await addCard(sql, d, userId, freshCard(), phone);
  assert.ok(!r.ok && r.code === "too_many_cards");
});

dbTest("cards: the same card from two users at once on postgres — bound once", async (sql) => {
  const users = await Promise.all(Array.from({ length: 4 }, () => verifiedUser(sql)));
  const card = freshCard("621700");
  const results = await Promise.all(
    users.map((u) => addCard(sql, deps(sql), u.userId, card, u.phone)),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
}, { ignore: testDbKind !== "postgres" });

dbTest(
  "cards: an SMS code instead of the password — checked, then used up only when the card is bound",
  async (sql) => {
    const { userId, phone } = await verifiedUser(sql);
    const d = deps(sql);
    const send = () =>
      sendOwnSmsCode(sql, { userId, purpose: "reauth", ip: null }, {
        outbox: testOutbox,
        cipher: testCipher,
        generateCode: () => "246810",
      });
    assert.ok((await send()).ok);
    const wrong = await addCard(sql, d, userId, freshCard(), phone, { method: "sms", smsCode: "111111" });
    assert.ok(!wrong.ok && wrong.code === "invalid_input" && /验证码错误/.test(wrong.fields.smsCode![0]));
    // a refusal by the bank leaves the code unused
    const refused = await addCard(sql, d, userId, freshCard(), "13900000000", {
      method: "sms",
      smsCode: "246810",
    });
    assert.ok(!refused.ok && refused.code === "mismatch");
    const card = freshCard();
    const ok = await addCard(sql, d, userId, card, phone, { method: "sms", smsCode: "246810" });
    assert.ok(ok.ok, JSON.stringify(ok));
    // single use
    const reused = await removeCard(sql, d, userId, ok.cardId, { method: "sms", smsCode: "246810" });
    assert.ok(!reused.ok && reused.code === "invalid_input" && reused.fields.smsCode);
    assert.equal((await listActiveCards(sql, userId)).length, 1);
  },
);
