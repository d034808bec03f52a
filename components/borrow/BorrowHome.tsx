/**
 * The page markup of `/borrow`.
 * @module
 */
import { CsrfField } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";
import { nextStepHref } from "./BorrowSteps.tsx";
import {
  APPLICATION_MESSAGES,
  APPLICATION_STATUS_LABELS,
  type BorrowerEligibility,
  eligibilityProblem,
  type LoanApplication,
} from "../../domain/borrowing/application.ts";
import { BORROWING_CAPS } from "../../domain/borrowing/caps.ts";
import { type LoanProduct } from "../../domain/lending/products.ts";
import { REPAYMENT_METHOD_LABELS } from "../../domain/lending/schedule.ts";
import { formatFen, formatRateMicros, formatWan } from "../../domain/money/format.ts";

/** Data of {@link BorrowHome}. */
export interface BorrowPageData {
  eligibility: BorrowerEligibility;
  products: LoanProduct[];
  applications: LoanApplication[];
  notice: string | null;
  error: string | null;
  openHref: string | null;
}

function termText(p: LoanProduct): string {
  const unit = p.termUnit === "month" ? "个月" : "天";
  return `${p.terms.join("/")} ${unit}`;
}

function rateText(p: LoanProduct): string {
  const min = Math.min(...Object.values(p.gradeRates).map((r) => r.minRateMicros));
  const max = Math.max(...Object.values(p.gradeRates).map((r) => r.maxRateMicros));
  return `${formatRateMicros(min)} – ${formatRateMicros(max)}`;
}

/** The whole page. */
export function BorrowHome({ data, csrfToken }: { data: BorrowPageData; csrfToken: string }) {
  const problem = eligibilityProblem(data.eligibility);
  const open = data.applications.find((a) => a.status === "draft");
  return (
    <div class="stack">
      <h1>我要借款</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      {data.error && (
        <p class="form-error" role="alert">
          {data.error} {data.openHref && <a href={data.openHref}>查看该申请</a>}
        </p>
      )}
      {problem === "not_verified" && (
        <p class="form-error" role="alert" data-testid="eligibility">
          {APPLICATION_MESSAGES.not_verified}。<a href="/account/identity">去实名认证</a>
        </p>
      )}
      {problem === "no_custody" && (
        <p class="form-error" role="alert" data-testid="eligibility">{APPLICATION_MESSAGES.no_custody}</p>
      )}
      {!problem && !data.eligibility.tradePasswordSet && (
        <p class="muted">
          提交申请时需要交易密码签署征信查询授权。<a href="/account/trade-password">设置交易密码</a>
        </p>
      )}
      {data.applications.length > 0 && (
        <section class="card" aria-labelledby="my-apps">
          <h2 id="my-apps">我的借款申请</h2>
          <ul class="plain-list" data-testid="my-applications">
            {data.applications.map((a) => (
              <li data-application={a.id}>
                <a href={a.status === "draft" ? nextStepHref(a) : `/borrow/applications/${a.id}`}>
                  {a.productName} {a.amountFen !== null ? formatFen(a.amountFen) : ""}
                </a>{" "}
                <span class="badge" data-field="status">{APPLICATION_STATUS_LABELS[a.status]}</span>{" "}
                <span class="muted">
                  <LocalTime at={a.createdAt} />
                </span>
                {a.status === "draft" && (
                  <form method="post" action="/borrow" class="inline-form">
                    <CsrfField token={csrfToken} />
                    <input type="hidden" name="intent" value="cancel" />
                    <input type="hidden" name="applicationId" value={a.id} />
                    <button type="submit" class="btn btn-secondary btn-small">取消申请</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="products">
        <h2 id="products">借款产品</h2>
        {data.products.map((p) => (
          <article class="card" data-product={p.code}>
            <h3>{p.name}</h3>
            <p class="muted">{p.description}</p>
            <dl class="kv-list">
              <dt>借款金额</dt>
              <dd>{formatWan(p.minAmountFen)} – {formatWan(p.maxAmountFen)}</dd>
              <dt>借款期限</dt>
              <dd>{termText(p)}</dd>
              <dt>还款方式</dt>
              <dd>{p.methods.map((m) => REPAYMENT_METHOD_LABELS[m]).join("、")}</dd>
              <dt>年利率</dt>
              <dd>{rateText(p)}（按审核评级确定）</dd>
              <dt>借款人</dt>
              <dd>{p.borrowerKind === "business" ? "小微企业（企业主申请）" : "个人"}</dd>
            </dl>
            {!problem && !open && (
              <form method="post" action="/borrow">
                <CsrfField token={csrfToken} />
                <input type="hidden" name="intent" value="start" />
                <input type="hidden" name="productId" value={p.id} />
                <button type="submit" class="btn btn-block">申请{p.name}</button>
              </form>
            )}
          </article>
        ))}
      </section>
      <p class="muted">
        借款限额：个人在本平台未还本金合计不超过 {formatWan(BORROWING_CAPS.person.platformFen)}
        、在各网贷平台合计不超过 {formatWan(BORROWING_CAPS.person.allPlatformsFen)}；企业分别不超过{" "}
        {formatWan(BORROWING_CAPS.business.platformFen)}、{formatWan(
          BORROWING_CAPS.business.allPlatformsFen,
        )}。 借款需按期还款，逾期将产生罚息并影响个人信用。
      </p>
    </div>
  );
}
