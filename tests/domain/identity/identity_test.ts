import assert from "node:assert/strict";
import { loadConfig } from "../../../config.ts";
import { createGateways } from "../../../integrations/gateways.ts";
import { dbTest, testDbKind } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";
import { deliverOutbox, testOutbox } from "../../helpers/outbox.ts";
import {
  CUSTODY_OPEN_ACCOUNT_TOPIC,
  decideIdentityReview,
  getCustodyAccount,
  getVerifiedIdentity,
  identityStatus,
  idNumberHash,
  listPendingIdentityReviews,
  verifyIdentity,
} from "../../../domain/identity/identity.ts";
import { makeIdNumber } from "../../../domain/identity/id_number.ts";
import type { IdentityGateway } from "../../../domain/gateways/identity.ts";
import { SANDBOX_NEEDS_REVIEW_NAME } from "../../../domain/gateways/identity.ts";
import type { Db } from "../../../db/tx.ts";

const config = loadConfig({ APP_ENV: "test" });

/** A gateway that passes exactly the identity it is given (so each test owns its ID number). */
function passing(realName: string, idNumber: string): IdentityGateway {
  return {
    name: "test",
    check: (i) =>
      Promise.resolve(
        i.realName === realName && i.idNumber === idNumber
          ? { ok: true, providerReference: "t" }
          : { ok: false, code: "mismatch", message: "姓名与身份证号码不一致" },
      ),
  };
}

let seq = 0;
/** A fresh valid adult ID number (unique per test run). */
function freshId(): string {
  const n = (Date.now() % 1000) * 1000 + (seq++ % 1000);
  const region = ["110105", "310104", "440106", "330106"][n % 4];
  const day = String(1 + (n % 28)).padStart(2, "0");
  const year = 1950 + (Math.floor(n / 28) % 50);
  const month = String(1 + (Math.floor(n / 1400) % 12)).padStart(2, "0");
  return makeIdNumber(region, `${year}${month}${day}`, String(n % 1000).padStart(3, "0"));
}

function deps(sql: Db, identity: IdentityGateway) {
  return {
    pii: testCipher,
    outbox: testOutbox,
    gateways: { identity, custody: createGateways(config, sql).custody },
  };
}

const staff = async (sql: Db) => {
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${"kyc" + crypto.randomUUID().slice(0, 8)}, '审核员', 'operations', 'x') returning id`;
  return { staff: { id: row.id, permissions: new Set(["kyc.review"]) }, ip: "10.0.0.1" };
};

dbTest("identity: bad input is refused field by field and nothing is stored", async (sql) => {
  const { userId } = await createUser(sql);
  const id = freshId();
  const d = deps(sql, passing("张三", id));
  const wrongChecksum = id.slice(0, 17) + (id[17] === "1" ? "2" : "1");
  const r1 = await verifyIdentity(sql, { userId, realName: "张三", idNumber: wrongChecksum }, d);
  assert.equal(r1.ok, false);
  assert.ok(!r1.ok && r1.code === "invalid_input" && /校验位/.test(r1.fields.idNumber![0]));
  const minor = makeIdNumber("110105", "20150101", "001");
  const r2 = await verifyIdentity(sql, { userId, realName: "Tom", idNumber: minor }, d);
  assert.ok(!r2.ok && r2.code === "invalid_input");
  assert.ok(!r2.ok && r2.code === "invalid_input" && /18 周岁/.test(r2.fields.idNumber![0]));
  assert.ok(!r2.ok && r2.code === "invalid_input" && r2.fields.realName!.length === 1);
  const r3 = await verifyIdentity(sql, {
    userId,
    realName: "张三",
    idNumber: makeIdNumber("990105", "19800101", "001"),
  }, d);
  assert.ok(!r3.ok && r3.code === "invalid_input" && /地区码/.test(r3.fields.idNumber![0]));
  assert.equal(await getVerifiedIdentity(sql, testCipher, userId), null);
});

dbTest(
  "identity: verification stores the identity encrypted, opens the custody account through the outbox",
  async (sql) => {
    const { userId, phone } = await createUser(sql);
    const id = freshId();
    const r = await verifyIdentity(
      sql,
      { userId, realName: "张三", idNumber: id.toLowerCase() },
      deps(sql, passing("张三", id)),
    );
    assert.deepEqual(r, { ok: true });
    const [row] = await sql<{ idEnc: Uint8Array; hash: string }[]>`
    select id_number_enc as "idEnc", id_number_hash as hash from users where id = ${userId}`;
    assert.ok(!new TextDecoder().decode(row.idEnc).includes(id), "encrypted at rest");
    assert.equal(row.hash, await idNumberHash(testCipher, id));
    const identity = await getVerifiedIdentity(sql, testCipher, userId);
    assert.equal(identity?.realName, "张三");
    assert.equal(identity?.idNumber, id);
    assert.equal((await getCustodyAccount(sql, userId))?.status, "opening");
    const [event] = await sql`select payload from outbox_events where topic = ${CUSTODY_OPEN_ACCOUNT_TOPIC}
                            and dedupe_key = ${CUSTODY_OPEN_ACCOUNT_TOPIC + ":" + userId}`;
    assert.deepEqual(event.payload, { userId });
    // the relay delivers it: the sandbox bank opens the sub-account
    await deliverOutbox(sql);
    const account = await getCustodyAccount(sql, userId);
    assert.equal(account?.status, "open");
    assert.match(account!.accountNo!, /^SBX/);
    // again: already verified
    const again = await verifyIdentity(
      sql,
      { userId, realName: "张三", idNumber: id },
      deps(sql, passing("张三", id)),
    );
    assert.ok(!again.ok && again.code === "already_verified");
    assert.ok(phone);
  },
);

dbTest("identity: an ID number verifies one user only", async (sql) => {
  const a = await createUser(sql);
  const b = await createUser(sql);
  const id = freshId();
  assert.deepEqual(
    await verifyIdentity(
      sql,
      { userId: a.userId, realName: "李四", idNumber: id },
      deps(sql, passing("李四", id)),
    ),
    { ok: true },
  );
  const r = await verifyIdentity(
    sql,
    { userId: b.userId, realName: "李四", idNumber: id },
    deps(sql, passing("李四", id)),
  );
  assert.ok(!r.ok && r.code === "id_number_taken");
  assert.equal(await getVerifiedIdentity(sql, testCipher, b.userId), null);
});

dbTest("identity: the same ID number from two users at once on postgres — one wins", async (sql) => {
  const users = await Promise.all(Array.from({ length: 6 }, () => createUser(sql)));
  const id = freshId();
  const results = await Promise.all(
    users.map((u) =>
      verifyIdentity(
        sql,
        { userId: u.userId, realName: "王五", idNumber: id },
        deps(sql, passing("王五", id)),
      )
    ),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.ok(results.every((r) => r.ok || r.code === "id_number_taken"));
  const [n] = await sql<
    { n: bigint }[]
  >`select count(*) as n from users where id_number_hash = ${await idNumberHash(testCipher, id)}`;
  assert.equal(BigInt(n.n), 1n);
}, { ignore: testDbKind !== "postgres" });

dbTest("identity: attempts are rate-limited per user", async (sql) => {
  const { userId } = await createUser(sql);
  const id = freshId();
  const d = deps(sql, passing("某某", "000000000000000000"));
  for (let i = 0; i < 5; i++) {
    const r = await verifyIdentity(sql, { userId, realName: "张三", idNumber: id }, d);
    assert.ok(!r.ok && r.code === "mismatch");
  }
  const r = await verifyIdentity(sql, { userId, realName: "张三", idNumber: id }, d);
  assert.ok(!r.ok && r.code === "throttled" && r.retryAfterSeconds > 0);
});

dbTest(
  "identity: exceptions go to the staff queue; approval verifies and rejection tells the user",
  async (sql) => {
    const gateways = createGateways(config, sql);
    const d = { pii: testCipher, outbox: testOutbox, gateways };
    const a = await createUser(sql);
    const idA = freshId();
    const r = await verifyIdentity(sql, {
      userId: a.userId,
      realName: SANDBOX_NEEDS_REVIEW_NAME,
      idNumber: idA,
    }, d);
    assert.ok(!r.ok && r.code === "pending_review");
    const status = await identityStatus(sql, testCipher, a.userId);
    assert.ok(status.pendingReview);
    const queue = await listPendingIdentityReviews(sql, testCipher);
    const item = queue.find((q) => q.userId === a.userId)!;
    assert.equal(item.idNumber, idA);
    const actor = await staff(sql);
    // a rejection needs a reason
    const noReason = await decideIdentityReview(
      sql,
      { reviewId: item.id, decision: "reject", reason: "" },
      actor,
      d,
    );
    assert.ok(!noReason.ok && noReason.code === "invalid_input");
    // without the permission: refused
    const forbidden = await decideIdentityReview(
      sql,
      { reviewId: item.id, decision: "approve", reason: "" },
      {
        ...actor,
        staff: { ...actor.staff, permissions: new Set() },
      },
      d,
    );
    assert.ok(!forbidden.ok && forbidden.code === "forbidden");
    assert.deepEqual(
      await decideIdentityReview(
        sql,
        { reviewId: item.id, decision: "approve", reason: "核对证件无误" },
        actor,
        d,
      ),
      {
        ok: true,
      },
    );
    assert.equal((await getVerifiedIdentity(sql, testCipher, a.userId))?.idNumber, idA);
    const twice = await decideIdentityReview(
      sql,
      { reviewId: item.id, decision: "approve", reason: "" },
      actor,
      d,
    );
    assert.ok(!twice.ok && twice.code === "already_decided");
    const [audit] = await sql`select action, target from audit_log where target = ${
      "user:" + a.userId
    } order by id desc limit 1`;
    assert.equal(audit.action, "kyc.identity.approve");

    // a mismatch (a listed sandbox ID with another name) is queued too, and a rejection is shown to the user
    const b = await createUser(sql);
    const idB = freshId();
    const m = await verifyIdentity(
      sql,
      { userId: b.userId, realName: "张三", idNumber: idB },
      deps(sql, passing("李四", idB)),
    );
    assert.ok(!m.ok && m.code === "mismatch");
    const itemB = (await listPendingIdentityReviews(sql, testCipher)).find((q) => q.userId === b.userId)!;
    assert.equal(itemB.gatewayCode, "mismatch");
    assert.deepEqual(
      await decideIdentityReview(
        sql,
        { reviewId: itemB.id, decision: "reject", reason: "姓名不符" },
        actor,
        d,
      ),
      {
        ok: true,
      },
    );
    assert.equal((await identityStatus(sql, testCipher, b.userId)).lastRejection?.reason, "姓名不符");
    assert.equal(await getVerifiedIdentity(sql, testCipher, b.userId), null);
  },
);

dbTest("identity: sandbox answers not_found and unavailable store nothing", async (sql) => {
  const gateways = createGateways(config, sql);
  const d = { pii: testCipher, outbox: testOutbox, gateways };
  const { userId } = await createUser(sql);
  const r = await verifyIdentity(sql, { userId, realName: "张三", idNumber: freshId() }, d);
  assert.ok(!r.ok && r.code === "not_found");
  const u = await verifyIdentity(sql, { userId, realName: "系统繁忙", idNumber: freshId() }, d);
  assert.ok(!u.ok && u.code === "unavailable");
  const [n] = await sql<
    { n: bigint }[]
  >`select count(*) as n from identity_reviews where user_id = ${userId}`;
  assert.equal(BigInt(n.n), 0n);
});

dbTest(
  "identity: the bank refusing to open the custody account marks it failed and tells the user",
  async (sql) => {
    const { userId } = await createUser(sql);
    const id = freshId();
    // the custody sandbox refuses the name 开户失败
    const r = await verifyIdentity(
      sql,
      { userId, realName: "开户失败", idNumber: id },
      deps(sql, passing("开户失败", id)),
    );
    assert.deepEqual(r, { ok: true });
    await deliverOutbox(sql);
    const account = await getCustodyAccount(sql, userId);
    assert.equal(account?.status, "failed");
    assert.ok(account?.failureReason);
    const [note] = await sql`select 1 from outbox_events where dedupe_key = ${
      "notification:generic:" + userId + ":custody-failed"
    }`;
    assert.ok(note);
  },
);

dbTest("identity: one ID number is tried at most 10 times a day, across accounts", async (sql) => {
  const id = freshId();
  const d = deps(sql, passing("某某", "000000000000000000"));
  const users = await Promise.all([createUser(sql), createUser(sql), createUser(sql)]);
  let attempts = 0;
  for (const u of users) {
    for (let i = 0; i < 4; i++) {
      const r = await verifyIdentity(sql, { userId: u.userId, realName: "张三", idNumber: id }, d);
      if (attempts < 10) assert.ok(!r.ok && r.code === "mismatch", `attempt ${attempts + 1}`);
      else assert.ok(!r.ok && r.code === "throttled", `attempt ${attempts + 1}`);
      attempts++;
    }
  }
});
