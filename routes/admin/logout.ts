/**
 * `POST /admin/logout` — ends the staff session server-side (audited as `staff.logout`), deletes the
 * cookie and returns to the log-in page.
 */
import { appendAudit } from "../../domain/staff/audit_log.ts";
import { clearSessionCookie, destroySession, sessionCookieName } from "../../domain/accounts/session.ts";
import { clientIp, define, getCookie, secureCookies } from "../../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const secure = secureCookies(ctx.state, ctx.url);
    const cookieName = sessionCookieName("staff", secure);
    const sid = getCookie(ctx.req, cookieName);
    const staff = ctx.state.staff;
    await ctx.state.sql.begin(async (tx) => {
      const ended = await destroySession(tx, sid);
      if (ended && staff) {
        await appendAudit(tx, {
          staffId: staff.id,
          action: "staff.logout",
          target: `staff:${staff.id}`,
          detail: {},
          ip: clientIp(ctx.info),
        });
      }
    });
    const res = ctx.redirect("/admin/login", 303);
    res.headers.append("set-cookie", clearSessionCookie(cookieName, { secure }));
    return res;
  },
});
