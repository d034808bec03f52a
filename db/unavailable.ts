/**
 * Whether an error means the database cannot be reached (stopped, restarting, refusing connections) rather
 * than a bug: the app then answers 503 with a clear message instead of 500, and the client may retry — no
 * command half-applied anything (its transaction never committed), and outbox events written before the
 * outage are delivered once the database is back (the relay's catch-up poll).
 * @module
 */

/** postgres.js and socket error codes of a connection that failed or was lost. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** SQLSTATEs of a server shutting down or not accepting connections yet. */
const SERVER_STATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** Whether `error` (or its cause) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (CONNECTION_CODES.has(code) || SERVER_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
