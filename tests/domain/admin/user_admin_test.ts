/**
 * Staff administration of users in the domain: the search by name, ID number (keyed hashes), tag and the
 * frozen status; the detail masked and revealed (audited); status changes (frozen users log in with
 * `status: "frozen"`, money refused; closed users cannot, sessions ended; not with a balance; closed
 * stays closed); tags — each with its permission check, validation and audit row.
 */
import assert from "node:assert/strict";
import type { Db } from "../../../db/tx.ts";
import { transaction } from "../../../db/tx.ts";
import { lockUserForMoney } from "../../../domain/accounts/account_status.ts";
import { maskPhone } from "../../../domain/accounts/pii.ts";
import { createSession, loadUserForSession } from "../../../domain/accounts/session.ts";
import { loginUser } from "../../../domain/accounts/login.ts";
import {
  addUserTag,
  getUserDetail,
  maskEmail,
  removeUserTag,
  revealUserDetail,
  setUserStatus,
} from "../../../domain/admin/user_detail.ts";
import { listUsersForStaff, parseUserFilters } from "../../../domain/admin/users.ts";
import { postEntry } from "../../../domain/ledger/ledger.ts";
import { idNumberHash, realNameHash } from "../../../domain/identity/identity.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser, TEST_PASSWORD, testCipher } from "../../helpers/forms.ts";
import { actorFor, auditRows, insertStaff } from "../../helpers/staff_fixtures.ts";
import { testOutbox } from "../../helpers/outbox.ts";

const REAL_NAME = "张三丰";
function randomIdNumber(): string {
  const n = crypto.getRandomValues(new Uint32Array(2));
  return `110101199${n[0] % 10}0101${String(n[1] % 1000).padStart(3, "0")}X`;
}

/** A user with a verified identity written directly (what the identity helper's verification stores). */
async function verifiedUser(sql: Db): Promise<{ userId: string; phone: string; idNumber: string }> {
  const { userId, phone } = await createUser(sql);
  const idNumber = randomIdNumber();
  await sql`
    update users set real_name_enc = ${await testCipher.encrypt(REAL_NAME)},
      real_name_hash = ${await realNameHash(testCipher, REAL_NAME)},
      id_number_enc = ${await testCipher.encrypt(idNumber)},
      id_number_hash = ${await idNumberHash(testCipher, idNumber)},
      identity_verified_at = now(),
      email_enc = ${await testCipher.encrypt("zhang.san@example.com")}
    where id = ${userId}`;
  return { userId, phone, idNumber };
}

async function topUp(sql: Db, userId: string, amountFen: bigint): Promise<void> {
  const r = await transaction(sql, (tx) =>
    postEntry(tx, {
      businessType: "top_up",
      reference: `test_top_up:${userId}`,
      idempotencyKey: crypto.randomUUID(),
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -amountFen },
        { account: { kind: "user_available", userId }, amountFen },
      ],
    }));
  assert.ok(r.ok);
}

dbTest("user admin: search by exact name and ID number (keyed hashes), tag and status", async (sql) => {
  const u = await verifiedUser(sql);
  const byId = parseUserFilters(new Map([["idNumber", u.idNumber.toLowerCase()]]), "form");
  assert.deepEqual(byId.errors, {});
  const found = await listUsersForStaff(sql, testCipher, byId.filters, 1);
  assert.deepEqual(found.rows.map((r) => r.id), [u.userId]);

  const byName = parseUserFilters(new Map([["name", ` ${REAL_NAME} `]]), "form");
  const named = await listUsersForStaff(sql, testCipher, byName.filters, 1);
  assert.ok(named.rows.some((r) => r.id === u.userId));

  // personal data in a URL is neither searched nor kept
  const url = parseUserFilters(new URLSearchParams({ name: REAL_NAME, idNumber: u.idNumber }), "url");
  assert.ok(url.errors.name);
  assert.equal(url.filters.name, null);
  assert.equal(url.filters.idNumber, null);
  const bad = parseUserFilters(new Map([["idNumber", "1234"], ["name", "张"]]), "form");
  assert.ok(bad.errors.idNumber && bad.errors.name);

  const admin = await insertStaff(sql, "super_admin");
  const actor = await actorFor(sql, admin, "super_admin");
  const tag = `标签${crypto.randomUUID().slice(0, 6)}`;
  assert.deepEqual(await addUserTag(sql, { userId: u.userId, tag }, actor), { ok: true, changed: true });
  const tagged = await listUsersForStaff(
    sql,
    testCipher,
    parseUserFilters(new Map([["tag", tag]]), "url").filters,
    1,
  );
  assert.deepEqual(tagged.rows.map((r) => r.id), [u.userId]);

  assert.ok(
    (await setUserStatus(
      sql,
      { userId: u.userId, status: "frozen", reason: "风险排查", outbox: testOutbox },
      actor,
    )).ok,
  );
  const frozen = await listUsersForStaff(
    sql,
    testCipher,
    parseUserFilters(new Map([["status", "frozen"], ["tag", tag]]), "form").filters,
    1,
  );
  assert.deepEqual(frozen.rows.map((r) => [r.id, r.statusLabel]), [[u.userId, "已冻结"]]);
});

dbTest(
  "user admin: detail is masked; reveal needs users.pii and is audited without the values",
  async (sql) => {
    const u = await verifiedUser(sql);
    const card = `6222021234${String(Date.now()).slice(-9)}`;
    await sql`
      insert into bank_cards (user_id, card_number_enc, card_number_hash, card_bin, last4, bank_code, bank_name,
                              reserved_phone_enc, is_default)
      values (${u.userId}, ${await testCipher.encrypt(card)}, ${await testCipher.hash(`t:${card}`)}, '622202',
              ${card.slice(-4)}, 'ICBC', '工商银行', ${await testCipher.encrypt(u.phone)}, true)`;
    const masked = await getUserDetail(sql, testCipher, u.userId);
    assert.ok(masked);
    assert.deepEqual(masked.cards.map((c) => [c.bankName, c.number, c.isDefault]), [
      ["工商银行", `尾号 ${card.slice(-4)}`, true],
    ]);
    assert.equal(masked.phone, maskPhone(u.phone));
    assert.equal(masked.identity.realName, "张**");
    assert.equal(masked.identity.idNumber, `110***********${u.idNumber.slice(-4)}`);
    assert.equal(masked.email, maskEmail("zhang.san@example.com"));
    assert.equal(masked.revealed, false);
    assert.equal(await getUserDetail(sql, testCipher, "999999999"), null);

    const ops = await insertStaff(sql, "operations");
    const refused = await revealUserDetail(
      sql,
      { cipher: testCipher, userId: u.userId },
      await actorFor(sql, ops, "operations"),
    );
    assert.deepEqual(refused, { ok: false, code: "forbidden" });
    assert.equal((await auditRows(sql, "users.pii_reveal", `user:${u.userId}`)).length, 0);

    const admin = await insertStaff(sql, "super_admin");
    const shown = await revealUserDetail(
      sql,
      { cipher: testCipher, userId: u.userId },
      await actorFor(sql, admin, "super_admin"),
    );
    assert.ok(shown.ok);
    assert.equal(shown.detail.phone, u.phone);
    assert.equal(shown.detail.identity.idNumber, u.idNumber);
    assert.equal(shown.detail.identity.realName, REAL_NAME);
    assert.equal(shown.detail.cards[0].number, card);
    const rows = await auditRows(sql, "users.pii_reveal", `user:${u.userId}`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].staff_id, admin.id);
    assert.deepEqual(rows[0].detail, { fields: ["phone", "email", "realName", "idNumber", "cards"] });
    assert.ok(!JSON.stringify(rows[0].detail).includes(u.phone));
  },
);

dbTest(
  "user admin: a frozen user still logs in, carries status frozen and cannot move money",
  async (sql) => {
    const { userId, phone } = await createUser(sql);
    const admin = await insertStaff(sql, "operations");
    const actor = await actorFor(sql, admin, "operations");
    const session = await createSession(sql, {
      subjectType: "user",
      subjectId: userId,
      ip: null,
      userAgent: null,
    });
    const result = await setUserStatus(sql, {
      userId,
      status: "frozen",
      reason: "涉嫌盗刷",
      outbox: testOutbox,
    }, actor);
    assert.deepEqual(result, { ok: true, changed: true, sessionsEnded: 0 });
    const loaded = await loadUserForSession(sql, session.sessionId, testCipher);
    assert.equal(loaded?.status, "frozen");
    const login = await loginUser(sql, { phone, password: TEST_PASSWORD, ip: null, userAgent: null }, {
      cipher: testCipher,
    });
    assert.ok(login.ok && login.user.status === "frozen");
    assert.deepEqual(await transaction(sql, (tx) => lockUserForMoney(tx, userId)), {
      ok: false,
      code: "account_frozen",
    });
    const [row] = (await auditRows(sql, "users.status", `user:${userId}`)).slice(-1);
    assert.deepEqual(row.detail, { from: "active", to: "frozen", reason: "涉嫌盗刷", sessionsEnded: 0 });
    const [note] = await sql<{ payload: { payload: { title: string; body: string } } }[]>`
      select payload from outbox_events
      where topic = 'notification' and dedupe_key like ${`notification:generic:${userId}:%`}
      order by id desc limit 1`;
    assert.equal(note?.payload.payload.title, "账户已冻结");
    assert.ok(!note.payload.payload.body.includes("涉嫌盗刷"), "the staff's reason is not told");
    // back to normal
    assert.ok(
      (await setUserStatus(sql, { userId, status: "active", reason: "排查完毕", outbox: testOutbox }, actor))
        .ok,
    );
    assert.deepEqual(await transaction(sql, (tx) => lockUserForMoney(tx, userId)), { ok: true });
  },
);

dbTest(
  "user admin: closing ends sessions and log-in; refused with a balance; closed stays closed",
  async (sql) => {
    const { userId, phone } = await createUser(sql);
    const staff = await insertStaff(sql, "operations");
    const actor = await actorFor(sql, staff, "operations");
    await topUp(sql, userId, 1234n);
    assert.deepEqual(
      await setUserStatus(
        sql,
        { userId, status: "closed", reason: "用户申请注销", outbox: testOutbox },
        actor,
      ),
      {
        ok: false,
        code: "has_balance",
      },
    );
    const other = await createUser(sql);
    const session = await createSession(sql, {
      subjectType: "user",
      subjectId: other.userId,
      ip: null,
      userAgent: null,
    });
    const closed = await setUserStatus(sql, {
      userId: other.userId,
      status: "closed",
      reason: "用户申请注销",
      outbox: testOutbox,
    }, actor);
    assert.ok(closed.ok && closed.changed && closed.sessionsEnded >= 1, JSON.stringify(closed));
    assert.equal(await loadUserForSession(sql, session.sessionId, testCipher), null);
    const login = await loginUser(sql, {
      phone: other.phone,
      password: TEST_PASSWORD,
      ip: null,
      userAgent: null,
    }, {
      cipher: testCipher,
    });
    assert.equal(login.ok || login.code, "account_disabled");
    assert.deepEqual(
      await setUserStatus(sql, {
        userId: other.userId,
        status: "active",
        reason: "误操作恢复",
        outbox: testOutbox,
      }, actor),
      {
        ok: false,
        code: "already_closed",
      },
    );
    assert.ok(phone);
  },
);

dbTest("user admin: status needs users.manage and checks its input", async (sql) => {
  const { userId } = await createUser(sql);
  const cs = await insertStaff(sql, "customer_service");
  assert.deepEqual(
    await setUserStatus(
      sql,
      { userId, status: "frozen", reason: "原因", outbox: testOutbox },
      await actorFor(sql, cs, "customer_service"),
    ),
    { ok: false, code: "forbidden" },
  );
  const ops = await insertStaff(sql, "operations");
  const actor = await actorFor(sql, ops, "operations");
  const bad = await setUserStatus(sql, { userId, status: "gone", reason: " ", outbox: testOutbox }, actor);
  assert.ok(!bad.ok && bad.code === "invalid_input" && bad.fields.status && bad.fields.reason);
  assert.deepEqual(
    await setUserStatus(sql, {
      userId: "999999999",
      status: "frozen",
      reason: "原因原因",
      outbox: testOutbox,
    }, actor),
    {
      ok: false,
      code: "not_found",
    },
  );
  assert.deepEqual(
    await setUserStatus(sql, { userId, status: "active", reason: "原因原因", outbox: testOutbox }, actor),
    {
      ok: true,
      changed: false,
      sessionsEnded: 0,
    },
  );
  assert.equal((await auditRows(sql, "users.status", `user:${userId}`)).length, 0);
});

dbTest("user admin: tags are added once, removed, limited, validated and audited", async (sql) => {
  const { userId } = await createUser(sql);
  const ops = await insertStaff(sql, "operations");
  const actor = await actorFor(sql, ops, "operations");
  const cs = await insertStaff(sql, "customer_service");
  assert.deepEqual(
    await addUserTag(sql, { userId, tag: "VIP" }, await actorFor(sql, cs, "customer_service")),
    {
      ok: false,
      code: "forbidden",
    },
  );
  assert.deepEqual(await addUserTag(sql, { userId, tag: "  高净值  " }, actor), { ok: true, changed: true });
  assert.deepEqual(await addUserTag(sql, { userId, tag: "高净值" }, actor), { ok: true, changed: false });
  const bad = await addUserTag(sql, { userId, tag: "x".repeat(21) }, actor);
  assert.equal(bad.ok || bad.code, "invalid_input");
  assert.deepEqual((await getUserDetail(sql, testCipher, userId))?.tags, ["高净值"]);
  assert.deepEqual(await removeUserTag(sql, { userId, tag: "高净值" }, actor), { ok: true, changed: true });
  assert.deepEqual(await removeUserTag(sql, { userId, tag: "高净值" }, actor), { ok: true, changed: false });
  for (let i = 0; i < 20; i++) assert.ok((await addUserTag(sql, { userId, tag: `t${i}` }, actor)).ok);
  assert.deepEqual(await addUserTag(sql, { userId, tag: "one-too-many" }, actor), {
    ok: false,
    code: "tag_limit",
  });
  assert.equal((await auditRows(sql, "users.tag_add", `user:${userId}`)).length, 21);
  assert.equal((await auditRows(sql, "users.tag_remove", `user:${userId}`)).length, 1);
});
