/**
 * `POST /logout` — 退出登录: ends the session server-side, clears the cookie, back to the home page.
 * Only POST (CSRF-protected); other methods answer 405.
 * @module
 */
import { clearSessionCookie, destroySession, sessionCookieName } from "../domain/accounts/session.ts";
import { define, getCookie, secureCookies } from "../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const secure = secureCookies(ctx.state, ctx.url);
    const name = sessionCookieName("user", secure);
    const ended = await destroySession(ctx.state.sql, ctx.state.sessionId ?? getCookie(ctx.req, name));
    if (ended && ctx.state.user) {
      ctx.state.securityLog.emit("logout", { subject: "user", userId: ctx.state.user.id });
    }
    const res = ctx.redirect("/", 303);
    res.headers.append("set-cookie", clearSessionCookie(name, { secure }));
    return res;
  },
});
