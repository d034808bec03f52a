/**
 * `/borrow` — 我要借款: the products on offer (choose one to start an application), the applicant's
 * eligibility (real-name verification, custody account) and their applications with status. POST
 * `intent=start` starts a draft; `intent=cancel` cancels one. Works without JavaScript.
 * @module
 */
import { BorrowHome, type BorrowPageData } from "../../components/borrow/BorrowHome.tsx";
import { page, readForm } from "../../framework/mod.ts";
import {
  APPLICATION_MESSAGES,
  borrowerEligibility,
  cancelApplication,
  listMyApplications,
  startApplication,
} from "../../domain/borrowing/application.ts";
import { listProducts } from "../../domain/lending/products.ts";
import { define, deviceIdFor, doneNotice, formText, type State } from "../../utils.ts";

async function render(state: State, partial: Partial<BorrowPageData>, status = 200) {
  const userId = state.user!.id;
  const [eligibility, products, applications] = await Promise.all([
    borrowerEligibility(state.sql, userId),
    listProducts(state.sql, { activeOnly: true }),
    listMyApplications(state.sql, userId),
  ]);
  return page<BorrowPageData>({
    eligibility,
    products,
    applications,
    notice: partial.notice ?? null,
    error: partial.error ?? null,
    openHref: partial.openHref ?? null,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "我要借款";
    return await render(ctx.state, { notice: doneNotice(ctx.url, { cancelled: "申请已取消。" }) });
  },
  async POST(ctx) {
    ctx.state.title = "我要借款";
    const form = await readForm(ctx.req);
    const text = formText(form, 40);
    const userId = ctx.state.user!.id;
    if (text("intent") === "cancel") {
      const r = await cancelApplication(ctx.state.sql, { userId, applicationId: text("applicationId") });
      if (r.ok) return ctx.redirect("/borrow?done=cancelled", 303);
      return await render(
        ctx.state,
        { error: APPLICATION_MESSAGES[r.code] },
        r.code === "not_found" ? 404 : 409,
      );
    }
    const r = await startApplication(ctx.state.sql, {
      userId,
      productId: text("productId"),
      ip: ctx.state.clientIp,
      deviceId: deviceIdFor(ctx).deviceId,
    });
    if (r.ok) return ctx.redirect(`/borrow/applications/${r.applicationId}/loan`, 303);
    return await render(ctx.state, {
      error: APPLICATION_MESSAGES[r.code],
      openHref: r.code === "open_exists" && r.applicationId
        ? `/borrow/applications/${r.applicationId}`
        : null,
    }, 409);
  },
});

/** The borrowing home page. */

export default define.page<typeof handler>(({ data, state }) => (
  <BorrowHome data={data} csrfToken={state.csrfToken} />
));
