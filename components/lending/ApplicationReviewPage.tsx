/**
 * The page markup of `/admin/loans/[id]`.
 * @module
 */
import { CsrfField } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";
import { RiskDecisionView } from "../RiskDecisionView.tsx";
import { type LoanApplication } from "../../domain/borrowing/application.ts";
import {
  APPLICATION_STATUS_TEXT,
  type DocumentRow,
  type pendingApproval,
  type StaffLoanRow,
} from "../../domain/lending/admin_loans.ts";
import { LOAN_EVENT_LABELS, type LoanEventRow } from "../../domain/lending/loan_events.ts";
import type { LoanGrade, RateRange } from "../../domain/lending/products.ts";
import { formatFen, formatRateMicros } from "../../domain/money/format.ts";
import { type RiskDecision } from "../../domain/risk/mod.ts";
import { ApprovalForm, type ApprovalFormValues } from "./ApprovalForm.tsx";

/** Data of {@link ApplicationReviewPage}. */
export interface ApplicationReviewData {
  app: LoanApplication;
  documents: DocumentRow[];
  decision: RiskDecision | null;
  pending: Awaited<ReturnType<typeof pendingApproval>>;
  loan: StaffLoanRow | null;
  history: LoanEventRow[];
  /** Field name → messages (`form`: the page's own message). */
  errors: Record<string, string[]>;
  /** What the approval form held when it was refused (empty on a GET). */
  values: ApprovalFormValues;
  /** The product's allowed annual rate per grade (the approval form's hints). */
  gradeRates: Record<LoanGrade, RateRange> | null;
  notice: string | null;
}

function Errors({ list }: { list?: string[] }) {
  return list && list.length > 0 ? <p class="form-error" role="alert">{list.join("；")}</p> : null;
}

/** The whole page. */
export function ApplicationReviewPage(
  { data, csrfToken, staffId }: { data: ApplicationReviewData; csrfToken: string; staffId: string },
) {
  const a = data.app;
  const d = a.details;
  const reviewable = a.status === "manual_review";
  return (
    <>
      <p>
        <a href="/admin/loans">← 借款审核</a>
      </p>
      <h1>借款申请 #{a.id}</h1>
      {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
      <Errors list={data.errors.form} />
      <section class="card" aria-label="申请信息">
        <dl class="kv-list">
          <dt>状态</dt>
          <dd>{APPLICATION_STATUS_TEXT[a.status]}</dd>
          <dt>产品</dt>
          <dd>{a.productName}（{a.borrowerKind === "business" ? "企业" : "个人"}）</dd>
          <dt>金额</dt>
          <dd>{a.amountFen === null ? "—" : `${formatFen(a.amountFen)} 元`}</dd>
          <dt>期限</dt>
          <dd>{a.termCount ?? "—"}{a.termUnit === "day" ? "天" : "个月"}</dd>
          <dt>用途</dt>
          <dd>{a.purpose ?? "—"}</dd>
          <dt>月收入 / 月负债</dt>
          <dd>
            {a.monthlyIncomeFen === null ? "—" : formatFen(a.monthlyIncomeFen)} /{" "}
            {a.monthlyDebtFen === null ? "—" : formatFen(a.monthlyDebtFen)} 元
          </dd>
          {d.profile && (
            <>
              <dt>城市 / 单位 / 职务</dt>
              <dd>
                {d.profile.city} / {d.profile.employer} / {d.profile.jobTitle}（工作 {d.profile.workYears}
                {" "}
                年）
              </dd>
            </>
          )}
          {d.contacts?.map((c) => (
            <>
              <dt>联系人</dt>
              <dd>{c.name}（{c.relationship}）{c.phoneMasked}</dd>
            </>
          ))}
          {d.business && (
            <>
              <dt>企业</dt>
              <dd>
                {d.business.enterpriseName}（{d.business.industry}），法定代表人 {d.business.legalRepName}
                {" "}
                {d.business.legalRepIdMasked}
              </dd>
            </>
          )}
          {a.reviewNote && (
            <>
              <dt>审核备注</dt>
              <dd>{a.reviewNote}</dd>
            </>
          )}
        </dl>
      </section>
      <section class="card" aria-label="申请材料">
        <h2>申请材料</h2>
        {data.documents.length === 0 ? <p class="empty">暂无材料</p> : (
          <ul>
            {data.documents.map((doc) => (
              <li>
                <a href={`/admin/loans/documents/${doc.id}`}>{doc.kind}</a>（{doc.contentType}，
                {Math.ceil(doc.sizeBytes / 1024)} KB）
              </li>
            ))}
          </ul>
        )}
      </section>
      <RiskDecisionView decision={data.decision} />
      {data.loan && (
        <p>
          借款项目：#{data.loan.id} {data.loan.title}（{data.loan.status}）
        </p>
      )}
      {reviewable && data.pending && (
        <form method="post" class="card" aria-label="复核">
          <CsrfField token={csrfToken} />
          <input type="hidden" name="intent" value="confirm" />
          <p>
            {data.pending.firstStaffName} 已初审通过（评级 {String(data.pending.terms.grade)}，年利率{" "}
            {formatRateMicros(Number(data.pending.terms.annualRateMicros))}，{String(
              data.pending.terms.title,
            )}）， 需另一位审核员复核。
          </p>
          <button type="submit" disabled={data.pending.firstStaffId === staffId}>复核通过</button>
        </form>
      )}
      {reviewable && !data.pending && (
        <ApprovalForm
          csrfToken={csrfToken}
          values={data.values}
          errors={data.errors}
          gradeRates={data.gradeRates}
          suggestedGrade={data.decision?.grade ?? null}
        />
      )}
      {(reviewable || a.status === "more_info") && (
        <form method="post" class="card" aria-label="拒绝或补充材料">
          <CsrfField token={csrfToken} />
          <label>
            原因 / 需补充的材料
            <textarea name="reason" maxLength={500} required></textarea>
          </label>
          <Errors list={data.errors.reason} />
          <button type="submit" name="intent" value="reject">拒绝</button>{" "}
          {reviewable && <button type="submit" name="intent" value="more_info">要求补充材料</button>}
        </form>
      )}
      <section class="card" aria-label="处理记录">
        <h2>处理记录</h2>
        {data.history.length === 0 ? <p class="empty">暂无记录</p> : (
          <ol>
            {data.history.map((e) => (
              <li>
                <LocalTime at={e.createdAt} withTime /> {LOAN_EVENT_LABELS[e.kind] ?? e.kind}
                {e.staffName ? `（${e.staffName}）` : ""}
                {typeof e.detail?.text === "string" ? `：${e.detail.text}` : ""}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}
