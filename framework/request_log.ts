/**
 * `requestLog()`: request ids and one structured log line per request.
 * @module
 */
import { onErrorResponse } from "./error_response.ts";
import { HttpError } from "./http_error.ts";
import { mutable } from "./response.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode requestLog}. */
export interface RequestLogOptions {
  /** Receives one object per request (default: `console.log(JSON.stringify(line))`). */
  log?: (line: Record<string, unknown>) => void;
}

const ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Sets `ctx.state.requestId` (from a well-formed incoming `X-Request-Id`, else a random UUID), echoes it
 * in the response's `X-Request-Id`, and logs `{ time, level, msg, method, path, status, ms, requestId }`
 * once per request (for an error, with the error's status). Put it first in the middleware list.
 */
export function requestLog<State = unknown>(options: RequestLogOptions = {}): Middleware<State> {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  return async (ctx: Context<State>) => {
    const start = performance.now();
    const incoming = ctx.req.headers.get("x-request-id");
    const requestId = incoming && ID_RE.test(incoming) ? incoming : crypto.randomUUID();
    (ctx.state as { requestId: string }).requestId = requestId;
    const tag = (res: Response): Response => {
      const out = mutable(res);
      out.headers.set("x-request-id", requestId);
      return out;
    };
    let status = 500;
    try {
      const res = tag(await ctx.next());
      status = res.status;
      return res;
    } catch (err) {
      // The error page is rendered further out; it gets the request id too.
      status = err instanceof HttpError ? err.status : 500;
      onErrorResponse(ctx as Context<unknown>, tag);
      throw err;
    } finally {
      log({
        time: new Date().toISOString(),
        level: status >= 500 ? "error" : "info",
        msg: "request",
        method: ctx.req.method,
        path: ctx.url.pathname,
        status,
        ms: Math.round((performance.now() - start) * 10) / 10,
        requestId,
      });
    }
  };
}
