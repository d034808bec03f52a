/**
 * `POST /admin/logout` — ends the staff session server-side (audited as `staff.logout`), deletes the
 * cookie and returns to the log-in page.
 */
import { clearSessionCookie } from "../../domain/accounts/session.ts";
import { logoutStaff } from "../../domain/staff/staff.ts";
import { define, sessionCookieFor } from "../../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const cookie = sessionCookieFor(ctx, "staff");
    const staff = ctx.state.staff;
    const { ended } = await logoutStaff(ctx.state.sql, {
      rawSessionId: cookie.sessionId,
      staff,
      ip: ctx.state.clientIp,
    });
    if (ended && staff) ctx.state.securityLog.emit("logout", { subject: "staff", staffId: staff.id });
    const res = ctx.redirect("/admin/login", 303);
    res.headers.append("set-cookie", clearSessionCookie(cookie.name, cookie));
    return res;
  },
});
