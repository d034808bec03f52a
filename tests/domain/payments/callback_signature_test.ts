/** The HMAC-SHA256 signature of provider callbacks: round trip, tampering, wrong secret, time window. */
import assert from "node:assert/strict";
import {
  CALLBACK_SIGNATURE_HEADER,
  CALLBACK_TIMESTAMP_HEADER,
  CALLBACK_TOLERANCE_SECONDS,
  signCallback,
  verifyCallback,
} from "../../../domain/payments/callback_signature.ts";

const SECRET = "test-secret-0123456789abcdef0123456789";
const BODY = JSON.stringify({ callbackId: "cb-1", instructionId: "7", amountFen: "100" });
const AT = new Date("2026-12-01T08:00:00Z");

async function headersFor(body = BODY, at = AT, secret = SECRET) {
  const h = await signCallback(secret, body, at);
  return { timestamp: h[CALLBACK_TIMESTAMP_HEADER], signature: h[CALLBACK_SIGNATURE_HEADER] };
}

Deno.test("callback signature: v1=<hex HMAC-SHA256 over timestamp.body>, verified at the same time", async () => {
  const h = await headersFor();
  assert.equal(h.timestamp, String(AT.getTime() / 1000));
  assert.match(h.signature, /^v1=[0-9a-f]{64}$/);
  // the documented format: HMAC(secret, "<timestamp>.<body>")
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(SECRET),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${h.timestamp}.${BODY}`)),
  );
  assert.equal(h.signature, "v1=" + Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.deepEqual(await verifyCallback(SECRET, BODY, h, AT), { ok: true, timestamp: AT.getTime() / 1000 });
});

Deno.test("callback signature: a tampered body, a wrong secret or a changed timestamp is bad_signature", async () => {
  const h = await headersFor();
  const tampered = BODY.replace('"100"', '"100000"');
  assert.deepEqual(await verifyCallback(SECRET, tampered, h, AT), { ok: false, code: "bad_signature" });
  assert.deepEqual(await verifyCallback("another-secret-0123456789abcdef", BODY, h, AT), {
    ok: false,
    code: "bad_signature",
  });
  const moved = { ...h, timestamp: String(Number(h.timestamp) + 1) };
  assert.deepEqual(await verifyCallback(SECRET, BODY, moved, AT), { ok: false, code: "bad_signature" });
  const flipped = { ...h, signature: h.signature.slice(0, -1) + (h.signature.endsWith("0") ? "1" : "0") };
  assert.deepEqual(await verifyCallback(SECRET, BODY, flipped, AT), { ok: false, code: "bad_signature" });
});

Deno.test("callback signature: missing or malformed headers are missing_signature", async () => {
  const h = await headersFor();
  for (
    const bad of [
      { timestamp: null, signature: h.signature },
      { timestamp: h.timestamp, signature: null },
      { timestamp: "abc", signature: h.signature },
      { timestamp: h.timestamp, signature: h.signature.slice(3) },
      { timestamp: h.timestamp, signature: "v2=" + h.signature.slice(3) },
      { timestamp: h.timestamp, signature: h.signature.toUpperCase() },
    ]
  ) {
    assert.deepEqual(await verifyCallback(SECRET, BODY, bad, AT), { ok: false, code: "missing_signature" });
  }
});

Deno.test("callback signature: outside the tolerance window (old or future) is stale; at the edge it passes", async () => {
  const h = await headersFor();
  const edge = new Date(AT.getTime() + CALLBACK_TOLERANCE_SECONDS * 1000);
  assert.equal((await verifyCallback(SECRET, BODY, h, edge)).ok, true);
  const late = new Date(edge.getTime() + 1000);
  assert.deepEqual(await verifyCallback(SECRET, BODY, h, late), { ok: false, code: "stale" });
  const early = new Date(AT.getTime() - (CALLBACK_TOLERANCE_SECONDS + 1) * 1000);
  assert.deepEqual(await verifyCallback(SECRET, BODY, h, early), { ok: false, code: "stale" });
});
