import assert from "node:assert/strict";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { createUser, TEST_PASSWORD, testCipher } from "../../helpers/forms.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { requestSmsCode } from "../../../domain/accounts/sms_code.ts";
import {
  checkTradePassword,
  isTrivialTradePassword,
  setTradePassword,
  type SetTradePasswordDeps,
  TRADE_PASSWORD_MESSAGES,
  tradePasswordErrorMessage,
  tradePasswordProblems,
  type TradePasswordProof,
  tradePasswordStatus,
} from "../../../domain/accounts/trade_password.ts";
import {
  closeBidAuthorisation,
  consumeBidAuthorisation,
  currentBidAuthorisation,
  openBidAuthorisation,
} from "../../../domain/accounts/bid_authorisation.ts";
import { newSessionId } from "../../../domain/accounts/session.ts";
import { transaction } from "../../../db/tx.ts";
import type { Db } from "../../../db/tx.ts";

const deps = { cipher: testCipher, outbox: testOutbox, bcryptCost: 4 };

Deno.test("trade password: trivial ones are refused", () => {
  for (const pw of ["111111", "123456", "654321", "890123", "121212", "123123", "112233", "147258"]) {
    assert.ok(isTrivialTradePassword(pw), pw);
  }
  for (const pw of ["258014", "730519", "902846"]) assert.ok(!isTrivialTradePassword(pw), pw);
});

Deno.test("trade password: problems — format, trivial, phone tail, ID tail, confirmation", () => {
  assert.deepEqual(tradePasswordProblems("12345", "12345"), [TRADE_PASSWORD_MESSAGES.format]);
  assert.deepEqual(tradePasswordProblems("12345a", "12345a"), [TRADE_PASSWORD_MESSAGES.format]);
  assert.deepEqual(tradePasswordProblems("１２３４５６", "１２３４５６"), [TRADE_PASSWORD_MESSAGES.format]);
  assert.deepEqual(tradePasswordProblems("111111", "111111"), [TRADE_PASSWORD_MESSAGES.trivial]);
  assert.deepEqual(tradePasswordProblems("345678".replace("8", "9"), "345679", { phone: "13812345679" }), [
    TRADE_PASSWORD_MESSAGES.phone_tail,
  ]);
  assert.deepEqual(tradePasswordProblems("203518", "203518", { idNumber: "11010519491231203518" }), [
    TRADE_PASSWORD_MESSAGES.id_tail,
  ]);
  assert.deepEqual(tradePasswordProblems("258014", "258015"), [TRADE_PASSWORD_MESSAGES.mismatch]);
  assert.deepEqual(tradePasswordProblems("258014", "258014", { phone: "13812345678" }), []);
});

/** The login password as the proof of ownership. */
const BY_LOGIN_PASSWORD: TradePasswordProof = { method: "login_password", loginPassword: TEST_PASSWORD };

/**
 * {@link setTradePassword} of `newPassword` for `userId` with `proof`: confirmed as typed unless `confirm`
 * says otherwise; the other options are added to the test's dependencies.
 */
function setTo(
  sql: Db,
  userId: string,
  newPassword: string,
  proof: TradePasswordProof = BY_LOGIN_PASSWORD,
  { confirm = newPassword, ...moreDeps }: Partial<SetTradePasswordDeps> & { confirm?: string } = {},
) {
  return setTradePassword(sql, { userId, newPassword, confirm, proof, ip: null }, { ...deps, ...moreDeps });
}

/** {@link openBidAuthorisation} of `sessionId` for `capFen`, proven by `tradePassword`. */
function openFor(
  sql: Db,
  userId: string,
  sessionId: string,
  { tradePassword, capFen, minutes, now }: {
    tradePassword: string;
    capFen: bigint;
    minutes?: number;
    now?: Date;
  },
) {
  return openBidAuthorisation(sql, { userId, sessionId, tradePassword, capFen, minutes, ip: null }, { now });
}

/** Sends the trade-password SMS code `code` to `phone`. */
async function sendCode(sql: Db, phone: string, code: string): Promise<void> {
  await requestSmsCode(sql, { phone, purpose: "trade_password", ip: null }, {
    outbox: testOutbox,
    cipher: testCipher,
    generateCode: () => code,
  });
}

async function userWithTradePassword(sql: Db, pw = "258014") {
  const user = await createUser(sql);
  const r = await setTo(sql, user.userId, pw);
  assert.deepEqual(r, { ok: true, changed: false });
  return user;
}

dbTest("trade password: set with the login password, then checked", async (sql) => {
  const user = await createUser(sql);
  assert.equal(await tradePasswordStatus(sql, user.userId), null);
  assert.deepEqual(await checkTradePassword(sql, { userId: user.userId, password: "258014", ip: null }), {
    ok: false,
    code: "not_set",
  });
  const wrongLogin = await setTo(sql, user.userId, "258014", {
    method: "login_password",
    loginPassword: "not-my-password",
  });
  assert.equal(wrongLogin.ok, false);
  assert.ok(!wrongLogin.ok && wrongLogin.code === "invalid_input" && wrongLogin.fields.loginPassword);
  assert.equal(await tradePasswordStatus(sql, user.userId), null, "nothing stored");

  const ok = await setTo(sql, user.userId, "258014");
  assert.deepEqual(ok, { ok: true, changed: false });
  assert.ok(await tradePasswordStatus(sql, user.userId));
  const [row] = await sql<
    { h: string }[]
  >`select password_hash as h from trade_passwords where user_id = ${user.userId}`;
  assert.ok(!row.h.includes("258014") && row.h.startsWith("$p2$v1$"), "bcrypt-hashed");
  assert.deepEqual(await checkTradePassword(sql, { userId: user.userId, password: "258014", ip: null }), {
    ok: true,
  });
  const notified = await sql`
    select 1 from outbox_events where topic = 'notification' and payload->>'userId' = ${user.userId}
      and payload->'payload'->>'title' = '交易密码已设置'`;
  assert.equal(notified.length, 1);
});

dbTest("trade password: bad input changes nothing", async (sql) => {
  const user = await createUser(sql);
  for (
    const [pw, confirm, field] of [
      ["12345", "12345", "newPassword"],
      ["123456", "123456", "newPassword"],
      [user.phone.slice(-6), user.phone.slice(-6), "newPassword"],
      ["258014", "258041", "confirm"],
    ]
  ) {
    const r = await setTo(sql, user.userId, pw, BY_LOGIN_PASSWORD, { confirm });
    assert.ok(
      !r.ok && r.code === "invalid_input" && r.fields[field],
      `${pw}/${confirm}: ${JSON.stringify(r)}`,
    );
  }
  const noCode = await setTo(sql, user.userId, "258014", { method: "sms", smsCode: "12" });
  assert.ok(!noCode.ok && noCode.code === "invalid_input" && noCode.fields.smsCode);
  assert.equal(await tradePasswordStatus(sql, user.userId), null);
});

dbTest("trade password: reset with an SMS code (no verified identity), wrong code refused", async (sql) => {
  const user = await userWithTradePassword(sql);
  await sendCode(sql, user.phone, "482913");
  const wrong = await setTo(sql, user.userId, "730519", { method: "sms", smsCode: "000000" });
  assert.ok(!wrong.ok && wrong.code === "invalid_input" && wrong.fields.smsCode);
  const ok = await setTo(sql, user.userId, "730519", { method: "sms", smsCode: "482913" });
  assert.deepEqual(ok, { ok: true, changed: true });
  assert.equal((await checkTradePassword(sql, { userId: user.userId, password: "258014" })).ok, false);
  assert.equal((await checkTradePassword(sql, { userId: user.userId, password: "730519" })).ok, true);
  const same = await setTo(sql, user.userId, "730519");
  assert.ok(
    !same.ok && same.code === "invalid_input" &&
      same.fields.newPassword?.[0] === TRADE_PASSWORD_MESSAGES.same_as_old,
  );
});

dbTest("trade password: the ID number is asked when the identity is verified", async (sql) => {
  const user = await userWithTradePassword(sql);
  await sendCode(sql, user.phone, "482913");
  const identity = () => Promise.resolve({ idNumber: "11010519491231002X" });
  const missing = await setTo(sql, user.userId, "730519", { method: "sms", smsCode: "482913" }, {
    verifiedIdentity: identity,
  });
  assert.ok(!missing.ok && missing.code === "invalid_input" && missing.fields.idNumber);
  const wrong = await setTo(sql, user.userId, "730519", {
    method: "sms",
    smsCode: "482913",
    idNumber: "110105194912310021",
  }, { verifiedIdentity: identity });
  assert.ok(!wrong.ok && wrong.code === "invalid_input" && wrong.fields.idNumber);
  const ok = await setTo(sql, user.userId, "730519", {
    method: "sms",
    smsCode: "482913",
    idNumber: "11010519491231002x",
  }, { verifiedIdentity: identity });
  assert.deepEqual(ok, { ok: true, changed: true });
});

dbTest("trade password: 5 wrong lock it with the time left; a reset lifts the lock", async (sql) => {
  const user = await userWithTradePassword(sql);
  const now = new Date();
  for (let i = 1; i <= 4; i++) {
    const r = await checkTradePassword(sql, { userId: user.userId, password: "000001" }, { now });
    assert.deepEqual(r, { ok: false, code: "wrong", attemptsLeft: 5 - i });
  }
  const fifth = await checkTradePassword(sql, { userId: user.userId, password: "000001" }, { now });
  assert.ok(!fifth.ok && fifth.code === "wrong" && fifth.attemptsLeft === 0 && fifth.lockedUntil);
  assert.match(tradePasswordErrorMessage(fifth, now), /已锁定，请 30 分钟后再试/);
  const right = await checkTradePassword(sql, { userId: user.userId, password: "258014" }, { now });
  assert.ok(!right.ok && right.code === "locked", "even the right one is refused while locked");
  assert.match(tradePasswordErrorMessage(right, new Date(now.getTime() + 20 * 60_000)), /请 10 分钟后再试/);
  const later = new Date(now.getTime() + 31 * 60_000);
  assert.deepEqual(
    await checkTradePassword(sql, { userId: user.userId, password: "258014" }, { now: later }),
    {
      ok: true,
    },
  );
  // lock again, then reset
  for (let i = 0; i < 5; i++) await checkTradePassword(sql, { userId: user.userId, password: "000001" });
  assert.equal((await checkTradePassword(sql, { userId: user.userId, password: "258014" })).ok, false);
  const reset = await setTo(sql, user.userId, "730519");
  assert.ok(reset.ok);
  assert.deepEqual(await checkTradePassword(sql, { userId: user.userId, password: "730519" }), { ok: true });
});

dbTest("bid authorisation: opened by the trade password, per session, capped, closable", async (sql) => {
  const user = await userWithTradePassword(sql);
  const sessionId = newSessionId();
  const other = newSessionId();
  const wrong = await openFor(sql, user.userId, sessionId, { tradePassword: "000001", capFen: 100_000n });
  assert.ok(!wrong.ok && wrong.code === "wrong");
  assert.deepEqual(
    await openFor(sql, user.userId, sessionId, { tradePassword: "258014", capFen: 1n }),
    { ok: false, code: "invalid_cap" },
  );
  assert.deepEqual(
    await openFor(sql, user.userId, sessionId, { tradePassword: "258014", capFen: 100_000n, minutes: 7 }),
    { ok: false, code: "invalid_minutes" },
  );
  const now = new Date();
  const opened = await openFor(sql, user.userId, sessionId, {
    tradePassword: "258014",
    capFen: 100_000n,
    now,
  });
  assert.ok(opened.ok);
  assert.equal(opened.authorisation.expiresAt.getTime(), now.getTime() + 10 * 60_000);

  const use = (amountFen: bigint, sid = sessionId, at = new Date()) =>
    transaction(
      sql,
      (tx) => consumeBidAuthorisation(tx, { userId: user.userId, sessionId: sid, amountFen }, at),
    );
  assert.deepEqual(await use(60_000n), {
    ok: true,
    authorisationId: opened.authorisation.id,
    remainingFen: 40_000n,
  });
  assert.deepEqual(await use(50_000n), { ok: false, code: "exceeds_cap" });
  assert.deepEqual(await use(0n), { ok: false, code: "invalid_amount" });
  assert.deepEqual(await use(10_000n, other), { ok: false, code: "no_authorisation" }, "another session");
  assert.deepEqual(await use(10_000n, sessionId, new Date(now.getTime() + 11 * 60_000)), {
    ok: false,
    code: "no_authorisation",
  }, "expired");
  assert.equal(
    (await currentBidAuthorisation(sql, { userId: user.userId, sessionId }))?.remainingFen,
    40_000n,
  );
  assert.deepEqual(await closeBidAuthorisation(sql, { userId: user.userId, sessionId }), { closed: true });
  assert.deepEqual(await use(10_000n), { ok: false, code: "no_authorisation" }, "closed");
  assert.equal(await currentBidAuthorisation(sql, { userId: user.userId, sessionId }), null);
});

dbTest("bid authorisation: changing the trade password closes open windows", async (sql) => {
  const user = await userWithTradePassword(sql);
  const sessionId = newSessionId();
  const opened = await openFor(sql, user.userId, sessionId, { tradePassword: "258014", capFen: 100_000n });
  assert.ok(opened.ok);
  await setTo(sql, user.userId, "730519");
  assert.equal(await currentBidAuthorisation(sql, { userId: user.userId, sessionId }), null);
});

dbTest(
  "bid authorisation (postgres): 50 concurrent bids of 30 元 against a cap of 1,000 元 — exactly 33 pass",
  async (sql) => {
    const user = await userWithTradePassword(sql);
    const sessionId = newSessionId();
    const opened = await openFor(sql, user.userId, sessionId, { tradePassword: "258014", capFen: 100_000n });
    assert.ok(opened.ok);
    const results = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          transaction(
            sql,
            (tx) => consumeBidAuthorisation(tx, { userId: user.userId, sessionId, amountFen: 3_000n }),
          ),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, 33);
    const [row] = await sql<
      { used: bigint }[]
    >`select used_fen as used from bid_authorisations where id = ${opened.authorisation.id}`;
    assert.equal(BigInt(row.used), 99_000n);
  },
  { ignore: testDbKind !== "postgres" },
);

dbTest(
  "trade password (postgres): 10 parallel wrong tries get at most 5 bcrypt checks, then it is locked",
  async (sql) => {
    const user = await userWithTradePassword(sql);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => checkTradePassword(sql, { userId: user.userId, password: "000001" })),
    );
    const wrong = results.filter((r) => !r.ok && r.code === "wrong");
    const locked = results.filter((r) => !r.ok && r.code === "locked");
    assert.equal(wrong.length, 5);
    assert.equal(locked.length, 5);
    const [row] = await sql<{ count: number }[]>`
      select count from rate_limits where key = ${`trade:${user.userId}`}`;
    assert.equal(row.count, 5);
    assert.equal((await checkTradePassword(sql, { userId: user.userId, password: "258014" })).ok, false);
  },
  { ignore: testDbKind !== "postgres" },
);
