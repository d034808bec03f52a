/**
 * `sharedPages()`: answers requests for a page that is the same for every visitor (the investment hall
 * for visitors without a session) from memory, before any context or middleware exists — no session
 * lookup, CSRF token, route, render or compression per request.
 *
 * A route offers its response with {@link sharePage}: the body (compressed once, {@link PrecompressedText})
 * and a `fresh()` test it owns (e.g. "the data's version is still the one the page was made at and it
 * has not expired"). The `keep` middleware stores it under the request's raw path and query, with the
 * headers the rest of the chain gave it (security headers and the like; `Set-Cookie` and per-request
 * headers are never kept). The front answerer (`app.front(pages.answer)`) then answers the next GET or
 * HEAD for exactly that path and query that `eligible` accepts while `fresh()` holds. Anything else —
 * another method, an ineligible request, a stale or missing copy — goes through the chain as usual.
 * @module
 */
import type { PrecompressedText } from "./compression.ts";
import type { Encoding } from "./encoding.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode sharedPages}. */
export interface SharedPagesOptions {
  /** Whether this request may get a shared copy (e.g.: it carries no session cookie). Must be cheap. */
  eligible(req: Request): boolean;
  /** Copies kept at most (the oldest dropped first). Default 64. */
  maxEntries?: number;
  /** Called for every request answered from a copy (e.g. the request log); default: nothing. */
  onAnswer?(req: Request, res: Response): void;
}

/** What a route offers for sharing (see {@linkcode sharePage}). */
export interface SharedPage {
  body: PrecompressedText;
  /** True while the copy may still be served; checked on every use, so it must be cheap and not wait. */
  fresh(nowMs: number): boolean;
}

/** The two halves of {@linkcode sharedPages}. */
export interface SharedPages<State> {
  /** The middleware that keeps the copies routes offer: register it first (after `requestLog()`). */
  keep: Middleware<State>;
  /** The front answerer: `app.front(pages.answer)`. */
  answer(req: Request): Response | null;
}

interface Kept extends SharedPage {
  /** The chain's headers (the body's own added per encoding, made once each). */
  headers: [string, string][];
  byEncoding: Map<Encoding | null, Headers>;
}

/** Headers a kept copy never replays: per-request or per-encoding ones (the body sets the latter). */
const NOT_KEPT = new Set([
  "set-cookie",
  "content-length",
  "content-encoding",
  "content-type",
  "vary",
  "x-request-id",
  "date",
]);

const offers = new WeakMap<object, SharedPage>();

/**
 * Offer this request's response for sharing with every eligible visitor of the same URL while
 * `page.fresh()` holds. The route must answer with `page.body` and nothing personal in it or in its
 * headers (cookies are dropped; nothing else is checked).
 */
export function sharePage(ctx: Context<unknown>, page: SharedPage): void {
  offers.set(ctx, page);
}

/** The path and query of an absolute request URL as sent (no parsing: a copy is keyed by them exactly). */
function pathAndQuery(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash < 0 ? "/" : url.slice(slash);
}

/** The middleware and the front answerer (see the module doc). */
export function sharedPages<State = unknown>(options: SharedPagesOptions): SharedPages<State> {
  const maxEntries = options.maxEntries ?? 64;
  const kept = new Map<string, Kept>();
  const answer = (req: Request): Response | null => {
    const method = req.method;
    if ((method !== "GET" && method !== "HEAD") || kept.size === 0) return null;
    const key = pathAndQuery(req.url);
    const hit = kept.get(key);
    if (!hit || !options.eligible(req)) return null;
    if (!hit.fresh(Date.now())) {
      kept.delete(key);
      return null;
    }
    const enc = hit.body.encodingFor(req.headers.get("accept-encoding"));
    let headers = hit.byEncoding.get(enc);
    if (!headers) {
      headers = hit.body.headersFor(enc, hit.headers);
      hit.byEncoding.set(enc, headers);
    }
    const res = new Response(method === "HEAD" ? null : hit.body.bytes(enc), { headers });
    options.onAnswer?.(req, res);
    return res;
  };
  const keep: Middleware<State> = async (ctx) => {
    const res = await ctx.next();
    const offer = offers.get(ctx);
    if (!offer || ctx.req.method !== "GET" || res.status !== 200 || !options.eligible(ctx.req)) return res;
    const headers: [string, string][] = [];
    for (const [k, v] of res.headers) if (!NOT_KEPT.has(k)) headers.push([k, v]);
    const key = pathAndQuery(ctx.req.url);
    kept.delete(key);
    kept.set(key, { ...offer, headers, byEncoding: new Map() });
    while (kept.size > maxEntries) kept.delete(kept.keys().next().value!);
    return res;
  };
  return { keep, answer };
}
