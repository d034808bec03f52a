/**
 * A database that cannot be reached answers **503** with a clear Chinese message (pages: the error page
 * 服务暂不可用; `/api/…`: `{"error":{"code":"database_unavailable","message":…}}`), with `Retry-After`,
 * instead of a 500 — nothing was half-done: every change is one transaction, and it did not commit.
 * Every other error passes through unchanged.
 * @module
 */
import { HttpError } from "./framework/mod.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";
import { define } from "./utils.ts";

/** Seconds a client is asked to wait before retrying. */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

/** The message of the 503 JSON answer. */
export const DATABASE_UNAVAILABLE_MESSAGE = "系统暂时不可用，请稍后重试。已提交的操作不会重复执行。";

/** The middleware (after the request state is set, before anything reads the database). */
export const databaseUnavailable = define.middleware(async (ctx) => {
  try {
    return await ctx.next();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    console.error(JSON.stringify({
      level: "error",
      msg: "database_unavailable",
      requestId: ctx.state.requestId,
      path: ctx.url.pathname,
      error: String(error),
    }));
    if (ctx.url.pathname.startsWith("/api/")) {
      return Response.json(
        { error: { code: "database_unavailable", message: DATABASE_UNAVAILABLE_MESSAGE } },
        { status: 503, headers: { "retry-after": String(DATABASE_RETRY_AFTER_SECONDS) } },
      );
    }
    throw new HttpError(503, "database unavailable", { cause: error });
  }
});
