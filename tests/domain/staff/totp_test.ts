import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { randomIp, TEST_PASSWORD, testCipher } from "../../helpers/forms.ts";
import { hashPassword } from "../../../domain/accounts/password.ts";
import { loadStaffForSession } from "../../../domain/accounts/session.ts";
import { loginStaff } from "../../../domain/staff/staff.ts";
import {
  completeStaffLogin,
  enrolStaffTotpWithSecret,
  generateRecoveryCodes,
  generateTotpSecret,
  matchTotp,
  normalizeRecoveryCode,
  prepareTotpEnrolment,
  qrSvg,
  regenerateRecoveryCodes,
  resetStaffTotp,
  staffTotpStates,
  totpCode,
  totpStep,
  totpUri,
} from "../../../domain/staff/totp.ts";
import { type Permission, PERMISSIONS } from "../../../domain/staff/permissions.ts";
import { transaction } from "../../../db/tx.ts";
import type { Db } from "../../../db/tx.ts";

const cipher = testCipher;

Deno.test("totp: a code matches its step once, ±1 step, not after", () => {
  const secret = generateTotpSecret();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const now = new Date("2026-12-01T08:00:15Z");
  const step = totpStep(now);
  assert.equal(matchTotp(secret, totpCode(secret, now), now, null), step);
  assert.equal(matchTotp(secret, totpCode(secret, new Date(now.getTime() - 30_000)), now, null), step - 1);
  assert.equal(matchTotp(secret, totpCode(secret, new Date(now.getTime() + 30_000)), now, null), step + 1);
  assert.equal(matchTotp(secret, totpCode(secret, new Date(now.getTime() - 90_000)), now, null), null);
  assert.equal(matchTotp(secret, totpCode(secret, now), now, step), null, "a used step is refused");
  assert.equal(matchTotp(secret, "12345", now, null), null);
  assert.equal(matchTotp(secret, "abcdef", now, null), null);
});

Deno.test("totp: URI, QR SVG, recovery codes", async () => {
  const secret = generateTotpSecret();
  const uri = totpUri(secret, "zhangsan");
  assert.match(uri, /^otpauth:\/\/totp\/.*zhangsan\?/);
  assert.match(uri, new RegExp(`secret=${secret}`));
  const svg = await qrSvg(uri);
  assert.match(svg, /^<svg[\s\S]*<\/svg>\s*$/);
  assert.doesNotMatch(svg, /<script/i);
  const codes = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}$/);
  assert.equal(normalizeRecoveryCode(" ABCD-EFGH "), "abcdefgh");
  assert.equal(normalizeRecoveryCode("abc"), null);
});

/** The second step of a staff log-in: `code` (TOTP or recovery code) for the pending log-in `pendingId`. */
function secondStep(sql: Db, pendingId: string, code: string, now?: Date) {
  return completeStaffLogin(
    sql,
    { pendingId, code, ip: null, userAgent: null },
    now ? { cipher, now } : { cipher },
  );
}

async function makeStaff(sql: Db, role = "tech") {
  const username = `t${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const [{ id }] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"两步验证测试"}, ${role}, ${await hashPassword(TEST_PASSWORD, { cost: 4 })})
    returning id`;
  return { username, id };
}

const login = (sql: Db, username: string, password = TEST_PASSWORD, nextPath: string | null = null) =>
  loginStaff(sql, { username, password, ip: randomIp(), userAgent: null, nextPath });

dbTest(
  "staff 2FA: a member without TOTP enrols on the pending step; the first right code turns it on",
  async (sql) => {
    const { username, id } = await makeStaff(sql);
    const r = await login(sql, username, TEST_PASSWORD, "/admin/audit");
    assert.ok(r.ok && r.step === "totp_enrol");
    const first = await prepareTotpEnrolment(sql, { pendingId: r.pendingId }, { cipher });
    const again = await prepareTotpEnrolment(sql, { pendingId: r.pendingId }, { cipher });
    assert.ok(first && again);
    assert.equal(again.secret, first.secret, "a reload keeps the secret");
    assert.notDeepEqual(again.recoveryCodes, first.recoveryCodes, "and makes new recovery codes");
    assert.match(first.qrSvg, /<svg/);
    const [stored] = await sql<{ enc: Uint8Array; enabledAt: Date | null }[]>`
    select secret_enc as enc, enabled_at as "enabledAt" from staff_totp where staff_id = ${id}`;
    assert.equal(stored.enabledAt, null);
    assert.ok(!new TextDecoder().decode(stored.enc).includes(first.secret), "encrypted at rest");
    assert.equal(await cipher.decrypt(stored.enc), first.secret);

    const wrong = await secondStep(sql, r.pendingId, "000000");
    assert.deepEqual(wrong, { ok: false, code: "invalid_code", attemptsLeft: 4 });
    const done = await secondStep(sql, r.pendingId, totpCode(first.secret));
    assert.ok(done.ok);
    assert.equal(done.nextPath, "/admin/audit");
    assert.equal((await loadStaffForSession(sql, done.sessionId))?.id, id);
    const states = await staffTotpStates(sql);
    assert.deepEqual(states.get(id), { enabled: true, recoveryCodesLeft: 10 });
    const actions = (await sql<{ action: string }[]>`
    select action from audit_log where target = ${`staff:${id}`} order by id`).map((a) => a.action);
    assert.deepEqual(actions, ["staff.login_failed", "staff.totp_enrolled", "staff.login"]);
    // the pending step is used up
    assert.deepEqual(
      await secondStep(sql, r.pendingId, totpCode(first.secret)),
      { ok: false, code: "expired" },
    );
  },
);

dbTest(
  "staff 2FA: enrolled members need the code; a code is used once; recovery codes once each",
  async (sql) => {
    const { username, id } = await makeStaff(sql);
    const secret = generateTotpSecret();
    await transaction(sql, (tx) => enrolStaffTotpWithSecret(tx, { staffId: id, secret }, cipher));
    const r = await login(sql, username);
    assert.ok(r.ok && r.step === "totp");
    assert.equal(
      await prepareTotpEnrolment(sql, { pendingId: r.pendingId }, { cipher }),
      null,
      "no re-enrolment",
    );
    const code = totpCode(secret);
    const ok = await secondStep(sql, r.pendingId, code);
    assert.ok(ok.ok && ok.method === "totp");

    const replay = await login(sql, username);
    assert.ok(replay.ok);
    const again = await secondStep(sql, replay.pendingId, code);
    assert.ok(
      !again.ok && again.code === "invalid_code",
      "the same code (time step) is refused a second time",
    );

    // recovery codes: made at enrolment; enrol a second member through the page flow to get them
    const other = await makeStaff(sql);
    const p = await login(sql, other.username);
    assert.ok(p.ok);
    const enrolment = await prepareTotpEnrolment(sql, { pendingId: p.pendingId }, { cipher });
    assert.ok(enrolment);
    assert.ok(
      (await secondStep(sql, p.pendingId, totpCode(enrolment.secret))).ok,
    );
    const q = await login(sql, other.username);
    assert.ok(q.ok && q.step === "totp");
    const typed = enrolment.recoveryCodes[3].toUpperCase().replace("-", " ");
    const viaRecovery = await secondStep(sql, q.pendingId, typed);
    assert.ok(viaRecovery.ok && viaRecovery.method === "recovery_code");
    const q2 = await login(sql, other.username);
    assert.ok(q2.ok);
    const reused = await secondStep(sql, q2.pendingId, enrolment.recoveryCodes[3]);
    assert.ok(!reused.ok && reused.code === "invalid_code", "a recovery code works once");
    assert.equal((await staffTotpStates(sql)).get(other.id)?.recoveryCodesLeft, 9);
  },
);

dbTest("staff 2FA: 5 wrong codes end the pending step; a wrong password never reaches it", async (sql) => {
  const { username, id } = await makeStaff(sql);
  await transaction(
    sql,
    (tx) => enrolStaffTotpWithSecret(tx, { staffId: id, secret: generateTotpSecret() }, cipher),
  );
  assert.deepEqual(await login(sql, username, "wrong-password-1"), {
    ok: false,
    code: "invalid_credentials",
    remainingAttempts: 4,
  });
  const r = await login(sql, username);
  assert.ok(r.ok);
  const left: number[] = [];
  for (let i = 0; i < 5; i++) {
    const w = await secondStep(sql, r.pendingId, "12345x");
    assert.ok(!w.ok && w.code === "invalid_code");
    left.push(w.attemptsLeft);
  }
  assert.deepEqual(left, [4, 3, 2, 1, 0]);
  assert.deepEqual(
    await secondStep(sql, r.pendingId, "123456"),
    { ok: false, code: "expired" },
  );
  assert.deepEqual(
    await secondStep(sql, "not-a-pending-id", "123456"),
    { ok: false, code: "expired" },
  );
});

dbTest(
  "staff 2FA: a super administrator resets a member's TOTP (audited, sessions end); others cannot",
  async (sql) => {
    const admin = await makeStaff(sql, "super_admin");
    const member = await makeStaff(sql);
    const secret = generateTotpSecret();
    await transaction(sql, (tx) => enrolStaffTotpWithSecret(tx, { staffId: member.id, secret }, cipher));
    const r = await login(sql, member.username);
    assert.ok(r.ok);
    const s = await secondStep(sql, r.pendingId, totpCode(secret));
    assert.ok(s.ok);
    const superAdmin = { id: admin.id, permissions: new Set<Permission>(PERMISSIONS) };
    const ops = { id: admin.id, permissions: new Set<Permission>(["users.view"]) };
    assert.deepEqual(
      await resetStaffTotp(sql, { staffId: member.id, reason: "手机丢失" }, { staff: ops, ip: null }),
      {
        ok: false,
        code: "forbidden",
      },
    );
    const bad = await resetStaffTotp(sql, { staffId: "x", reason: "" }, { staff: superAdmin, ip: null });
    assert.ok(!bad.ok && bad.code === "invalid_input" && bad.fields.reason && bad.fields.staffId);
    assert.deepEqual(
      await resetStaffTotp(sql, { staffId: "999999999", reason: "手机丢失" }, {
        staff: superAdmin,
        ip: null,
      }),
      { ok: false, code: "not_found" },
    );
    assert.deepEqual(
      await resetStaffTotp(sql, { staffId: member.id, reason: "手机丢失，已核实" }, {
        staff: superAdmin,
        ip: "10.0.0.9",
      }),
      { ok: true, changed: true },
    );
    assert.equal(await loadStaffForSession(sql, s.sessionId), null, "the member's sessions ended");
    const [audit] = await sql<{ staffId: string; detail: Record<string, unknown> }[]>`
    select staff_id as "staffId", detail from audit_log
    where action = 'staff.totp_reset' and target = ${`staff:${member.id}`}`;
    assert.equal(audit.staffId, admin.id);
    assert.equal(audit.detail.reason, "手机丢失，已核实");
    assert.equal(audit.detail.sessionsEnded, 1);
    assert.deepEqual(
      await resetStaffTotp(sql, { staffId: member.id, reason: "再次重置" }, { staff: superAdmin, ip: null }),
      { ok: true, changed: false },
    );
    const next = await login(sql, member.username);
    assert.ok(next.ok && next.step === "totp_enrol", "enrols again at the next log-in");
  },
);

dbTest("staff 2FA: a member disabled between the steps cannot finish", async (sql) => {
  const { username, id } = await makeStaff(sql);
  const secret = generateTotpSecret();
  await transaction(sql, (tx) => enrolStaffTotpWithSecret(tx, { staffId: id, secret }, cipher));
  const r = await login(sql, username);
  assert.ok(r.ok);
  await sql`update staff set status = 'disabled' where id = ${id}`;
  assert.deepEqual(
    await secondStep(sql, r.pendingId, totpCode(secret)),
    { ok: false, code: "expired" },
  );
});

dbTest(
  "staff 2FA: a member regenerates recovery codes with a current code (audited); old ones stop",
  async (sql) => {
    const { username, id } = await makeStaff(sql);
    const r = await login(sql, username);
    assert.ok(r.ok);
    const enrolment = await prepareTotpEnrolment(sql, { pendingId: r.pendingId }, { cipher });
    assert.ok(enrolment);
    const t0 = new Date(Date.now() - 60_000);
    assert.ok(
      (await secondStep(sql, r.pendingId, totpCode(enrolment.secret, t0), t0)).ok,
    );
    assert.deepEqual(
      await regenerateRecoveryCodes(sql, { staffId: id, code: "000000", ip: null }, { cipher }),
      {
        ok: false,
        code: "invalid_code",
      },
    );
    const fresh = await regenerateRecoveryCodes(sql, {
      staffId: id,
      code: totpCode(enrolment.secret),
      ip: null,
    }, {
      cipher,
    });
    assert.ok(fresh.ok);
    assert.equal(fresh.recoveryCodes.length, 10);
    const [audit] = await sql`
    select 1 from audit_log where action = 'staff.recovery_codes_regenerated' and target = ${`staff:${id}`}`;
    assert.ok(audit);
    const q = await login(sql, username);
    assert.ok(q.ok);
    const old = await secondStep(sql, q.pendingId, enrolment.recoveryCodes[0]);
    assert.ok(!old.ok, "the old recovery codes no longer work");
    const q2 = await login(sql, username);
    assert.ok(q2.ok);
    const ok = await secondStep(sql, q2.pendingId, fresh.recoveryCodes[0]);
    assert.ok(ok.ok);
    const other = await makeStaff(sql);
    assert.deepEqual(
      await regenerateRecoveryCodes(sql, { staffId: other.id, code: "123456", ip: null }, { cipher }),
      { ok: false, code: "not_enrolled" },
    );
  },
);
