import { HttpError } from "../../framework/mod.ts";
import { getOwnApplication, type LoanApplication, methodLabel } from "../../domain/borrowing/application.ts";
import { formatFen } from "../../domain/money/format.ts";
import type { State } from "../../utils.ts";

/** The pages of the application's steps, by the step they complete (2 amount … 5 signed). */
export const STEP_PAGES = [
  { step: 2, slug: "loan", label: "借款信息" },
  { step: 3, slug: "profile", label: "个人信息" },
  { step: 4, slug: "documents", label: "上传材料" },
  { step: 5, slug: "confirm", label: "确认提交" },
] as const;

/** A step page's slug. */
export type StepSlug = typeof STEP_PAGES[number]["slug"];

/** The link of a step page of an application. */
export function stepHref(applicationId: string, slug: StepSlug): string {
  return `/borrow/applications/${applicationId}/${slug}`;
}

/** Where a draft continues: the first step not yet completed. */
export function nextStepHref(app: Pick<LoanApplication, "id" | "step">): string {
  const page = STEP_PAGES.find((p) => p.step > app.step) ?? STEP_PAGES[STEP_PAGES.length - 1];
  return stepHref(app.id, page.slug);
}

/**
 * Where a request for step page `slug` must go instead, or `null` to show it: a submitted application
 * goes to its status page; a step whose previous step is not completed goes to the next step to do.
 */
export function stepRedirect(
  app: Pick<LoanApplication, "id" | "step" | "status">,
  slug: StepSlug,
): string | null {
  if (app.status !== "draft") return `/borrow/applications/${app.id}`;
  const page = STEP_PAGES.find((p) => p.slug === slug)!;
  return app.step >= page.step - 1 ? null : nextStepHref(app);
}

/** The step indicator on top of each step page (links to completed steps). */
export function BorrowSteps(props: { app: Pick<LoanApplication, "id" | "step">; current: StepSlug }) {
  return (
    <ol class="steps" aria-label="申请步骤">
      {STEP_PAGES.map((p, i) => {
        const current = p.slug === props.current;
        const reachable = props.app.step >= p.step - 1;
        return (
          <li aria-current={current ? "step" : undefined} class={current ? "current" : undefined}>
            {reachable && !current
              ? <a href={stepHref(props.app.id, p.slug)}>{i + 1}. {p.label}</a>
              : <span>{i + 1}. {p.label}</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** The signed-in user's own application `id` for an application page, or a 404. */
export async function ownApplicationOr404(
  state: Pick<State, "sql" | "user">,
  id: string,
): Promise<LoanApplication> {
  const app = await getOwnApplication(state.sql, state.user!.id, id);
  if (!app) throw new HttpError(404);
  return app;
}

/** The application's terms as rows of a `kv-list`: product, amount, term and repayment method. */
export function ApplicationTermsRows(
  { app }: { app: Pick<LoanApplication, "productName" | "amountFen" | "termCount" | "termUnit" | "method"> },
) {
  const unit = app.termUnit === "month" ? "个月" : "天";
  return (
    <>
      <dt>借款产品</dt>
      <dd>{app.productName}</dd>
      <dt>借款金额</dt>
      <dd>{app.amountFen !== null ? formatFen(app.amountFen) : "—"}</dd>
      <dt>借款期限</dt>
      <dd>{app.termCount ?? "—"} {unit}</dd>
      <dt>还款方式</dt>
      <dd>{methodLabel(app.method)}</dd>
    </>
  );
}
