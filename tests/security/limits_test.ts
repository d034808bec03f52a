/**
 * Limits pinned to their literal values (a test must not derive the expected value from the code's own
 * constant): the 64 KiB body limit to the byte, and the session timeouts (users 30 min idle / 12 h
 * absolute; staff 15 min idle / 8 h absolute).
 */
import assert from "node:assert/strict";
import { createSession, loadSession } from "../../domain/accounts/session.ts";
import { dbTest } from "../helpers/db.ts";
import { appTest, BASE, Client } from "../helpers/forms.ts";

/** A urlencoded /login form of exactly `bytes` bytes (a pad field fills it up). */
function loginBody(bytes: number, csrf: string): string {
  const head = new URLSearchParams({ _csrf: csrf, phone: "13800001234", password: "wrong-password" }) +
    "&pad=";
  assert.ok(head.length < bytes);
  return head + "a".repeat(bytes - head.length);
}

appTest(
  "body limit: exactly 65,536 bytes are accepted and 65,537 refused (declared or streamed)",
  async () => {
    const c = new Client();
    await c.get("/login");
    for (const streamed of [false, true]) {
      for (const [bytes, refused] of [[65_536, false], [65_537, true]] as const) {
        const text = loginBody(bytes, c.csrf);
        assert.equal(new TextEncoder().encode(text).length, bytes);
        const body = streamed
          ? new ReadableStream<Uint8Array>({
            start(controller) {
              const all = new TextEncoder().encode(text);
              for (let i = 0; i < all.length; i += 4096) controller.enqueue(all.slice(i, i + 4096));
              controller.close();
            },
          })
          : text;
        const r = await c.send("/login", {
          method: "POST",
          headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
          body,
        });
        const how = `${bytes} bytes ${streamed ? "streamed" : "with Content-Length"}`;
        if (refused) {
          assert.equal(r.status, 413, how);
        } else {
          assert.equal(r.status, 422, `${how}: read and answered as a failed log-in`);
          assert.match(r.html, /手机号或密码错误/, how);
        }
      }
    }
  },
);

const MIN = 60_000;

dbTest("sessions: users expire after 30 min idle and 12 h in all, whatever the activity", async (sql) => {
  const t0 = new Date("2026-12-01T00:00:00Z");
  const idle = await createSession(sql, {
    subjectType: "user",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(idle.expiresAt.getTime() - t0.getTime(), 30 * MIN);
  assert.ok(await loadSession(sql, idle.sessionId, { now: new Date(t0.getTime() + 29 * MIN) }));
  // used at 29 min: now idle until 59 min
  assert.ok(await loadSession(sql, idle.sessionId, { now: new Date(t0.getTime() + 58 * MIN) }));
  assert.equal(
    await loadSession(sql, idle.sessionId, { now: new Date(t0.getTime() + 58 * MIN + 30 * MIN) }),
    null,
  );

  const busy = await createSession(sql, {
    subjectType: "user",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(busy.absoluteExpiresAt.getTime() - t0.getTime(), 12 * 60 * MIN);
  for (let t = 20; t < 12 * 60; t += 20) {
    assert.ok(await loadSession(sql, busy.sessionId, { now: new Date(t0.getTime() + t * MIN) }), `${t} min`);
  }
  assert.equal(await loadSession(sql, busy.sessionId, { now: new Date(t0.getTime() + 12 * 60 * MIN) }), null);
});

dbTest("sessions: staff expire after 15 min idle and 8 h in all, whatever the activity", async (sql) => {
  const t0 = new Date("2026-12-01T00:00:00Z");
  const idle = await createSession(sql, {
    subjectType: "staff",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(idle.expiresAt.getTime() - t0.getTime(), 15 * MIN);
  assert.ok(await loadSession(sql, idle.sessionId, { now: new Date(t0.getTime() + 14 * MIN) }));
  assert.equal(
    await loadSession(sql, idle.sessionId, { now: new Date(t0.getTime() + 14 * MIN + 15 * MIN) }),
    null,
  );

  const busy = await createSession(sql, {
    subjectType: "staff",
    subjectId: "1",
    ip: null,
    userAgent: null,
    now: t0,
  });
  assert.equal(busy.absoluteExpiresAt.getTime() - t0.getTime(), 8 * 60 * MIN);
  for (let t = 10; t < 8 * 60; t += 10) {
    assert.ok(await loadSession(sql, busy.sessionId, { now: new Date(t0.getTime() + t * MIN) }), `${t} min`);
  }
  assert.equal(await loadSession(sql, busy.sessionId, { now: new Date(t0.getTime() + 8 * 60 * MIN) }), null);
});
