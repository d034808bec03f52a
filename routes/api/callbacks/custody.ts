/**
 * `POST /api/callbacks/custody` — the custody bank's signed confirmation of one instruction (exempt from
 * the CSRF check: the HMAC signature stands in for it). Answers as described in
 * domain/payments/callbacks.ts (200 applied/duplicate, 401 forged/stale, 400, 404, 409, 503).
 * @module
 */
import { receiveCallback } from "../../../domain/payments/callbacks.ts";
import { define } from "../../../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const raw = await ctx.req.text();
    const answer = await receiveCallback("custody", raw, ctx.req.headers, {
      db: ctx.state.sql,
      outbox: ctx.state.outbox,
      secret: ctx.state.config.custodyCallbackSecret,
      securityLog: ctx.state.securityLog,
    });
    return ctx.json(answer.body, { status: answer.status, headers: { "cache-control": "no-store" } });
  },
});
