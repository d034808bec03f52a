import assert from "node:assert/strict";
import {
  clearSessionCookie,
  newSessionId,
  sessionCookie,
  sessionCookieName,
} from "../../../domain/accounts/session.ts";

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
