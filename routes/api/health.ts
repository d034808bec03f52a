/**
 * `GET /api/health` — `200 {"status":"ok","database":"pglite"|"postgres","kv":"ok"}`, or `503` with
 * `"status":"error"` and the failing part set to `"error"` when the database (`select 1`) or Deno KV does
 * not answer within {@link HEALTH_TIMEOUT_MS}. Never cached.
 */
import { checkHealth, HEALTH_TIMEOUT_MS } from "../../domain/admin/health.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const report = await checkHealth(ctx.state, { timeoutMs: HEALTH_TIMEOUT_MS });
    return new Response(JSON.stringify(report), {
      status: report.status === "ok" ? 200 : 503,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    });
  },
});
