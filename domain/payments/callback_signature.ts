/**
 * The signature of provider callbacks (custody bank and payment channels), HMAC-SHA256 over the timestamp
 * and the exact body bytes, with a shared secret per provider:
 *
 * ```
 * X-Callback-Timestamp: 1764600000                       (Unix seconds)
 * X-Callback-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * ```
 *
 * The receiver accepts a callback only when the signature matches (constant-time comparison) and the
 * timestamp lies within {@link CALLBACK_TOLERANCE_SECONDS} of its clock; the callback id inside the body
 * makes a redelivery recognisable (the endpoint stores every id it applied, unique).
 * @module
 */

/** Header carrying the Unix time (seconds) the callback was signed at. */
export const CALLBACK_TIMESTAMP_HEADER = "x-callback-timestamp";
/** Header carrying `v1=<hex signature>`. */
export const CALLBACK_SIGNATURE_HEADER = "x-callback-signature";
/** A callback older (or further in the future) than this is stale and refused. */
export const CALLBACK_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The two headers that sign `body` at `at` with `secret`. */
export async function signCallback(
  secret: string,
  body: string,
  at: Date = new Date(),
): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = await hmacHex(secret, `${timestamp}.${body}`);
  return {
    [CALLBACK_TIMESTAMP_HEADER]: timestamp,
    [CALLBACK_SIGNATURE_HEADER]: `v1=${signature}`,
  };
}

/**
 * Outcome of {@link verifyCallback}:
 * - `missing_signature`: a header is absent or malformed;
 * - `bad_signature`: the signature does not match the body and timestamp (forged or tampered);
 * - `stale`: the timestamp is outside the tolerance window (an old callback replayed, or a wrong clock).
 */
export type VerifyCallbackResult =
  | { ok: true; timestamp: number }
  | { ok: false; code: "missing_signature" | "bad_signature" | "stale" };

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Check the headers of a callback against its raw `body`. The signature is checked before the time. */
export async function verifyCallback(
  secret: string,
  body: string,
  headers: { timestamp: string | null; signature: string | null },
  now: Date = new Date(),
  toleranceSeconds: number = CALLBACK_TOLERANCE_SECONDS,
): Promise<VerifyCallbackResult> {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, code: "missing_signature" };
  const match = signature?.match(/^v1=([0-9a-f]{64})$/);
  if (!match) return { ok: false, code: "missing_signature" };
  const expected = await hmacHex(secret, `${timestamp}.${body}`);
  if (!constantTimeEqual(expected, match[1])) return { ok: false, code: "bad_signature" };
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > toleranceSeconds) return { ok: false, code: "stale" };
  return { ok: true, timestamp: seconds };
}
