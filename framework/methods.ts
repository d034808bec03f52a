/**
 * The HTTP methods routes can answer, and their normalisation (Fresh compares method names after
 * upper-casing them: a request sent as `patch` is a PATCH).
 * @module
 */

/** The methods a route may handle, in the order `Allow` lists them. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** A method a route may handle. */
export type Method = typeof METHODS[number];

const KNOWN = new Set<string>(METHODS);

/**
 * The upper-cased method when routes can handle it, else `null` — e.g. TRACE, TRACK and CONNECT, which
 * the layer never hands to a route (they answer 405 or 501).
 */
export function normalizeMethod(method: string): Method | null {
  const m = method.toUpperCase();
  return KNOWN.has(m) ? m as Method : null;
}

/** The value of an `Allow` header for a set of methods (HEAD added wherever GET is). */
export function allowHeader(methods: Iterable<Method>): string {
  const set = new Set(methods);
  if (set.has("GET")) set.add("HEAD");
  return METHODS.filter((m) => set.has(m)).join(", ");
}
