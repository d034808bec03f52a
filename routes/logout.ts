/**
 * `POST /logout` — 退出登录: ends the session server-side, clears the cookie, back to the home page.
 * Only POST (CSRF-protected); other methods answer 405.
 * @module
 */
import { clearSessionCookie, destroySession } from "../domain/accounts/session.ts";
import { define, sessionCookieFor } from "../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const cookie = sessionCookieFor(ctx, "user");
    const ended = await destroySession(ctx.state.sql, cookie.sessionId);
    if (ended && ctx.state.user) {
      ctx.state.securityLog.emit("logout", { subject: "user", userId: ctx.state.user.id });
    }
    const res = ctx.redirect("/", 303);
    res.headers.append("set-cookie", clearSessionCookie(cookie.name, cookie));
    return res;
  },
});
