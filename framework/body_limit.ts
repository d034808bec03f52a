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
    // The context's request is replaced by one whose body is the counted stream. (Not `new Request(req)`:
    // that would read `req.signal`, which Deno.serve warns about.)
    (ctx as { req: Request }).req = new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: counted,
      duplex: "half",
    } as RequestInit);
    const res = await ctx.next();
    if (!exceeded || res.status === 413) return res;
    await res.body?.cancel().catch(() => {});
    return tooLarge(c, maxBytes);
  };
}
