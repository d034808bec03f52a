/**
 * `bodyLimit()`: refuses request bodies above a size limit with 413, before anything buffers them.
 * @module
 */
import { HttpError } from "./http_error.ts";
import type { Context, Middleware } from "./types.ts";

/** Default limit of a request body: 64 KiB (forms and JSON of this platform are a few hundred bytes). */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Options of {@linkcode bodyLimit}. */
export interface BodyLimitOptions {
  /** Largest accepted body in bytes (default {@link DEFAULT_MAX_BODY_BYTES}). */
  maxBytes?: number;
  /**
   * A different limit for some requests (e.g. a future upload route): return a byte count, or
   * `undefined` to use `maxBytes`.
   */
  maxBytesFor?: (url: URL, req: Request) => number | undefined;
}

/** The error a body above the limit raises when it is read (status 413). */
export class PayloadTooLargeError extends HttpError {
  /** The limit that was exceeded, in bytes. */
  readonly maxBytes: number;
  /** @param maxBytes the limit that was exceeded */
  constructor(maxBytes: number) {
    super(413, `Request body larger than ${maxBytes} bytes`);
    this.name = "PayloadTooLargeError";
    this.maxBytes = maxBytes;
  }
}

function wantsJson(req: Request): boolean {
  const type = req.headers.get("content-type") ?? "";
  const accept = req.headers.get("accept") ?? "";
  return type.includes("json") || (accept.includes("application/json") && !accept.includes("text/html"));
}

function tooLarge(ctx: Context<unknown>, maxBytes: number): Response {
  if (wantsJson(ctx.req)) {
    return ctx.json(
      { error: { code: "payload_too_large", maxBytes, message: "提交的内容过大" } },
      { status: 413 },
    );
  }
  throw new PayloadTooLargeError(maxBytes);
}

/**
 * A request like `req` whose body is `body`. It is built as a POST — the one method that may carry a
 * body and that `new Request()` always accepts — and then reports `req`'s own method, so a GET with a
 * body or a TRACE (which `new Request()` refuses) pass unharmed; its `clone()` does the same. (Not
 * `new Request(req)`: that would read `req.signal`, which `Deno.serve` warns about.)
 */
function withBody(req: Request, body: ReadableStream<Uint8Array>): Request {
  const out = new Request(
    req.url,
    { method: "POST", headers: req.headers, body, duplex: "half" } as RequestInit,
  );
  if (req.method === "POST") return out;
  const keepMethod = (r: Request): Request => {
    const clone = r.clone.bind(r);
    Object.defineProperty(r, "method", { value: req.method, enumerable: true });
    Object.defineProperty(r, "clone", { value: () => keepMethod(clone()) });
    return r;
  };
  return keepMethod(out);
}

/**
 * Limits request bodies. A `Content-Length` above the limit is answered 413 at once, without reading
 * the body; any other body (chunked, or a lying length) is counted while it streams, and reading past
 * the limit fails with {@link PayloadTooLargeError} — so `req.formData()`/`req.json()` never buffer more
 * than `maxBytes`. The answer is then 413 even if a handler caught the error. JSON clients get
 * `{"error":{"code":"payload_too_large",…}}`; others the `_500` error page with status 413.
 *
 * Put it before every middleware that reads the body (e.g. before `csrf()`).
 */
export function bodyLimit<State = unknown>(options: BodyLimitOptions = {}): Middleware<State> {
  const defaultMax = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(defaultMax) || defaultMax < 0) {
    throw new Error("bodyLimit(): maxBytes must be a non-negative integer");
  }
  return async (ctx: Context<State>) => {
    const req = ctx.req;
    if (req.body === null) return ctx.next();
    const maxBytes = options.maxBytesFor?.(ctx.url, req) ?? defaultMax;
    const c = ctx as Context<unknown>;
    const declared = req.headers.get("content-length");
    if (declared !== null) {
      const length = /^\d{1,15}$/.test(declared.trim()) ? Number(declared.trim()) : NaN;
      if (!(length <= maxBytes)) {
        await req.body.cancel().catch(() => {});
        return tooLarge(c, maxBytes);
      }
    }
    let seen = 0;
    let exceeded = false;
    const counted = req.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            exceeded = true;
            controller.error(new PayloadTooLargeError(maxBytes));
          } else controller.enqueue(chunk);
        },
      }),
    );
    (ctx as { req: Request }).req = withBody(req, counted);
    const res = await ctx.next();
    if (!exceeded || res.status === 413) return res;
    await res.body?.cancel().catch(() => {});
    return tooLarge(c, maxBytes);
  };
}
