import assert from "node:assert/strict";
import {
  clearSessionCookie,
  createSession,
  hashSessionId,
  loadUserForSession,
  newSessionId,
  sessionCookie,
  sessionCookieName,
} from "../../../domain/accounts/session.ts";
import { maskPhone } from "../../../domain/accounts/pii.ts";
import { dbTest } from "../../helpers/db.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";

Deno.test("session ids: 256 random bits, base64url", () => {
  const ids = new Set(Array.from({ length: 100 }, newSessionId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{43}$/);
});

Deno.test("session cookies: names, attributes", () => {
  assert.equal(sessionCookieName("user", true), "__Host-sid");
  assert.equal(sessionCookieName("staff", true), "__Host-staff_sid");
  assert.equal(sessionCookieName("user", false), "sid");
  assert.equal(sessionCookieName("staff", false), "staff_sid");
  assert.equal(
    sessionCookie("__Host-sid", "abc", { secure: true, maxAgeSeconds: 43200 }),
    "__Host-sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=43200",
  );
  assert.equal(sessionCookie("sid", "abc", { secure: false }), "sid=abc; Path=/; HttpOnly; SameSite=Lax");
  const cleared = clearSessionCookie("__Host-staff_sid", { secure: true });
  assert.match(
    cleared,
    /^__Host-staff_sid=; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=0; Expires=Thu, 01 Jan 1970/,
  );
});

dbTest(
  "loadUserForSession: session and user in one read; a changed phone shows at once; staff, expired, closed → null",
  async (sql) => {
    const { userId } = await createUser(sql);
    const phone = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    await sql`update users set phone_enc = ${await testCipher.encrypt(phone)} where id = ${userId}`;
    const { sessionId } = await createSession(sql, {
      subjectType: "user",
      subjectId: userId,
      ip: null,
      userAgent: null,
    });
    const first = await loadUserForSession(sql, sessionId, testCipher);
    assert.equal(first?.id, userId);
    assert.equal(first?.phoneMasked, maskPhone(phone));
    assert.equal((await loadUserForSession(sql, sessionId, testCipher))?.phoneMasked, maskPhone(phone));
    // a new phone is a new ciphertext: never the remembered mask of the old one
    const other = `137${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    await sql`update users set phone_enc = ${await testCipher.encrypt(other)} where id = ${userId}`;
    assert.equal((await loadUserForSession(sql, sessionId, testCipher))?.phoneMasked, maskPhone(other));
    // slid forward once a minute, expired deleted
    const later = new Date(Date.now() + 2 * 60_000);
    assert.ok(await loadUserForSession(sql, sessionId, testCipher, { now: later }));
    const [row] = await sql<{ seen: Date }[]>`
      select last_seen_at as seen from sessions where id_hash = ${await hashSessionId(sessionId)}`;
    assert.equal(row.seen.getTime(), later.getTime());
    assert.equal(
      await loadUserForSession(sql, sessionId, testCipher, { now: new Date(Date.now() + 86_400_000) }),
      null,
    );
    assert.equal(
      (await sql`select 1 from sessions where id_hash = ${await hashSessionId(sessionId)}`).length,
      0,
    );
    // a closed user, or a staff session, is no signed-in user
    const again = await createSession(sql, {
      subjectType: "user",
      subjectId: userId,
      ip: null,
      userAgent: null,
    });
    await sql`update users set status = 'closed' where id = ${userId}`;
    assert.equal(await loadUserForSession(sql, again.sessionId, testCipher), null);
    const staff = await createSession(sql, {
      subjectType: "staff",
      subjectId: userId,
      ip: null,
      userAgent: null,
    });
    assert.equal(await loadUserForSession(sql, staff.sessionId, testCipher), null);
    assert.equal(await loadUserForSession(sql, "not-a-session-id", testCipher), null);
  },
);
