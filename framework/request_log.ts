/**
 * `requestLog()`: request ids and one structured log line per request.
 * @module
 */
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
 * once per request. Put it first in the middleware list.
 */
export function requestLog<State = unknown>(options: RequestLogOptions = {}): Middleware<State> {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  return async (ctx: Context<State>) => {
    const start = performance.now();
    const incoming = ctx.req.headers.get("x-request-id");
    const requestId = incoming && ID_RE.test(incoming) ? incoming : crypto.randomUUID();
    (ctx.state as { requestId: string }).requestId = requestId;
    let status = 500;
    try {
      const res = mutable(await ctx.next());
      status = res.status;
      res.headers.set("x-request-id", requestId);
      return res;
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
