/**
 * `/dev/outbox` — the old address of the sandbox page: a permanent redirect to `/dev/sandbox` (same
 * channel filter). Only in demo mode, like the page itself.
 * @module
 */
import { HttpError } from "../../framework/mod.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    if (!ctx.state.config.demo) throw new HttpError(404);
    const channel = ctx.url.searchParams.get("channel");
    const query = channel === "sms" || channel === "email" ? `?channel=${channel}` : "";
    return ctx.redirect(`/dev/sandbox${query}`, 301);
  },
});
