/**
 * `/loans/[id]` — a loan: its figures, the masked borrower and the per-loan disclosure, the repayment plan
 * for a chosen amount (`?amount=` in yuan, a GET form, computed on the server), the contract template, the
 * bid list (investors masked, `?bids=` pages) and the bid form. POST places a bid (`placeBid`): amount,
 * trade password (not asked while a bid authorisation of this session is open), an idempotency key made
 * when the form is first shown; errors appear next to their field and what was typed stays.
 */
import { HttpError, page, readForm } from "../../framework/mod.ts";
import { CsrfField, Field } from "../../components/Field.tsx";
import { TradePasswordField } from "../../components/TradePasswordField.tsx";
import { ScheduleTable } from "../../components/ScheduleTable.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { LOAN_STATUS_LABELS, progressPercent, timeLeft } from "../../components/lending/LoanCard.tsx";
import { type BidAuthorisation, currentBidAuthorisation } from "../../domain/accounts/bid_authorisation.ts";
import { termLabel } from "../../domain/lending/contract.ts";
import {
  BID_LIST_PAGE_SIZE,
  type BidListRow,
  disclosureItems,
  getLoanDetail,
  listLoanBids,
  type LoanDetail,
  planFor,
  type PlanResult,
} from "../../domain/lending/loan_detail.ts";
import { PLACE_BID_ERROR_FIELD, placeBid } from "../../domain/lending/place_bid.ts";
import { REPAYMENT_METHOD_LABELS } from "../../domain/lending/schedule.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { formatFen, formatRateMicros, formatWan, parseYuanToFen } from "../../domain/money/format.ts";
import { RISK_LINE } from "../../domain/shared/brand.ts";
import { define, formText, type State } from "../../utils.ts";

interface BidValues {
  amountYuan: string;
  idempotencyKey: string;
}

interface LoanPageData {
  loan: LoanDetail;
  plan: PlanResult;
  planAmount: string;
  bids: { rows: BidListRow[]; total: number; page: number };
  values: BidValues;
  errors: Record<string, string[]>;
  authorisation: BidAuthorisation | null;
  availableFen: Fen | null;
  now: Date;
}

function yuanText(fen: Fen): string {
  const y = fen / 100n;
  const c = fen % 100n;
  return c === 0n ? String(y) : `${y}.${String(c).padStart(2, "0")}`;
}

async function render(
  state: State,
  url: URL,
  loan: LoanDetail,
  partial: { values?: BidValues; errors?: Record<string, string[]> },
  status = 200,
) {
  const now = new Date();
  const planAmount = (url.searchParams.get("amount") ?? partial.values?.amountYuan ?? "").slice(0, 20) ||
    yuanText(loan.minBidFen * 100n > loan.amountFen ? loan.minBidFen : loan.minBidFen * 100n);
  const bidsPage = Math.min(1000, Math.max(1, Number(url.searchParams.get("bids")) || 1));
  const user = state.user;
  const [bids, authorisation, balances] = await Promise.all([
    listLoanBids(state.sql, loan.id, bidsPage),
    user ? currentBidAuthorisation(state.sql, { userId: user.id, sessionId: state.sessionId }) : null,
    user ? userBalances(state.sql, user.id) : null,
  ]);
  return page<LoanPageData>({
    loan,
    plan: planFor(loan, planAmount),
    planAmount,
    bids: { ...bids, page: bidsPage },
    values: partial.values ?? { amountYuan: "", idempotencyKey: crypto.randomUUID() },
    errors: partial.errors ?? {},
    authorisation,
    availableFen: balances?.availableFen ?? null,
    now,
  }, { status });
}

async function loadLoan(state: State, id: string): Promise<LoanDetail> {
  const loan = await getLoanDetail(state.sql, id);
  if (!loan) throw new HttpError(404);
  return loan;
}

export const handler = define.handlers({
  async GET(ctx) {
    const loan = await loadLoan(ctx.state, ctx.params.id);
    ctx.state.title = loan.title;
    return await render(ctx.state, ctx.url, loan, {});
  },
  async POST(ctx) {
    const user = ctx.state.user;
    if (!user) return ctx.redirect(`/login?next=${encodeURIComponent(`/loans/${ctx.params.id}`)}`, 303);
    const loan = await loadLoan(ctx.state, ctx.params.id);
    ctx.state.title = loan.title;
    const form = await readForm(ctx.req);
    const text = formText(form);
    const values = { amountYuan: text("amountYuan", 30), idempotencyKey: text("idempotencyKey", 100) };
    const amountFen = parseYuanToFen(values.amountYuan);
    if (values.amountYuan === "" || amountFen === null || amountFen <= 0n) {
      const msg = values.amountYuan === "" ? "请输入出借金额" : "金额格式不正确：请输入正数，最多两位小数";
      return await render(ctx.state, ctx.url, loan, { values, errors: { amountYuan: [msg] } }, 422);
    }
    if (user.status !== "active") {
      return await render(ctx.state, ctx.url, loan, {
        values,
        errors: { form: ["账户已冻结，暂不能出借，如有疑问请联系客服"] },
      }, 422);
    }
    const result = await placeBid(ctx.state.sql, { outbox: ctx.state.outbox }, {
      investorId: user.id,
      loanId: loan.id,
      amountFen,
      idempotencyKey: values.idempotencyKey,
      sessionId: ctx.state.sessionId,
      tradePassword: text("tradePassword", 20),
      channel: "web",
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect(`/account/investments/${result.bidId}?done=bid`, 303);
    const field = result.code === "invalid_input" && !/^[A-Za-z0-9_:-]{8,100}$/.test(values.idempotencyKey)
      ? "form"
      : PLACE_BID_ERROR_FIELD[result.code] ?? "form";
    const message = field === "form" && result.code === "invalid_input"
      ? "页面已过期，请刷新后重试"
      : result.message;
    // a refused form keeps its key only when nothing happened under it (always: refusals change nothing)
    const fresh = await getLoanDetail(ctx.state.sql, loan.id) ?? loan;
    return await render(ctx.state, ctx.url, fresh, { values, errors: { [field]: [message] } }, 422);
  },
});

function Fig({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function BidForm(
  { data, csrfToken, signedIn, investor }: {
    data: LoanPageData;
    csrfToken: string;
    signedIn: boolean;
    investor: boolean;
  },
) {
  const { loan, values, errors, authorisation } = data;
  const remaining = loan.amountFen - loan.fundedFen;
  const open = loan.status === "open" && loan.publishAt <= data.now && loan.bidDeadline > data.now &&
    remaining > 0n;
  if (!open) {
    const why = loan.status === "open" && loan.publishAt > data.now
      ? "即将开标"
      : remaining <= 0n || loan.status === "full" || loan.status === "full_reviewed"
      ? "已满标"
      : LOAN_STATUS_LABELS[loan.status] ?? "不可出借";
    return (
      <p class="muted" data-testid="bid-closed">
        <button type="button" class="btn" disabled>{why}</button>
      </p>
    );
  }
  if (!signedIn) {
    return (
      <p>
        <a class="btn" href={`/login?next=${encodeURIComponent(`/loans/${loan.id}`)}`}>登录后出借</a>
      </p>
    );
  }
  if (!investor) return <p class="muted">借款人账户不能出借，请使用出借人账户。</p>;
  return (
    <form method="post" action={`/loans/${loan.id}`} class="bid-form" data-testid="bid-form">
      <CsrfField token={csrfToken} />
      <input type="hidden" name="idempotencyKey" value={values.idempotencyKey} />
      {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
      <Field
        name="amountYuan"
        label="出借金额（元）"
        inputMode="decimal"
        value={values.amountYuan}
        errors={errors.amountYuan}
        required
        maxLength={20}
        hint={`起投 ${formatFen(loan.minBidFen)}，按 ${formatFen(loan.bidUnitFen)} 递增；剩余可投 ${
          formatFen(remaining)
        }${data.availableFen !== null ? `；可用余额 ${formatFen(data.availableFen)}` : ""}`}
      />
      {authorisation && authorisation.remainingFen > 0n && !errors.tradePassword
        ? (
          <p class="muted" data-testid="bid-authorised">
            投标授权已开启，剩余额度 {formatFen(authorisation.remainingFen)}，
            <LocalTime at={authorisation.expiresAt} withTime /> 前无需输入交易密码。
          </p>
        )
        : <TradePasswordField errors={errors.tradePassword} />}
      <p class="muted">
        点击「确认出借」即表示您已阅读并同意<a href={`/loans/${loan.id}/contract`}>
          《出借协议》
        </a>及<a href="/account/risk-disclosure">
          《出借人风险揭示书》
        </a>。{RISK_LINE}。
      </p>
      <button type="submit" class="btn">确认出借</button>
      {data.availableFen !== null && <a href="/account/top-up">余额不足？去充值</a>}
    </form>
  );
}

export default define.page<typeof handler>(({ data, state, url }) => {
  const { loan, plan } = data;
  const pct = progressPercent(loan.fundedFen, loan.amountFen);
  const items = disclosureItems(loan);
  const bidPages = Math.max(1, Math.ceil(data.bids.total / BID_LIST_PAGE_SIZE));
  const bidsHref = (p: number) => {
    const q = new URLSearchParams(url.searchParams);
    q.set("bids", String(p));
    return `/loans/${loan.id}?${q}#bids`;
  };
  return (
    <>
      <p>
        <a href="/loans">← 投资大厅</a>
      </p>
      <h1>{loan.title}</h1>
      <p>
        <span class="badge">{loan.grade}级 · {loan.riskLevel}</span>{" "}
        {loan.newbieOnly && <span class="badge badge-warn">新手专享</span>}{" "}
        <span class="badge" data-testid="loan-status">{LOAN_STATUS_LABELS[loan.status] ?? loan.status}</span>
      </p>
      <section class="card">
        <dl class="loan-figures">
          <Fig label="约定年化利率">
            <span class="rate loan-rate">{formatRateMicros(loan.annualRateMicros)}</span>
          </Fig>
          <Fig label="借款期限">{termLabel(loan.termCount, loan.termUnit)}</Fig>
          <Fig label="借款金额">{formatWan(loan.amountFen)}</Fig>
        </dl>
        <div class="loan-progress-row">
          <progress class="loan-progress" value={pct} max={100} aria-label={`已投 ${pct}%`}>{pct}%</progress>
          <span>{pct}%</span>
        </div>
        <p data-testid="loan-remaining">
          已投 {formatFen(loan.fundedFen)} · 剩余可投 {formatFen(loan.amountFen - loan.fundedFen)} ·{" "}
          {loan.bidCount} 人出借
          {loan.status === "open" && <>· 剩余时间 {timeLeft(loan.bidDeadline, data.now)}</>}
        </p>
        <dl class="summary-list">
          <dt>项目名称</dt>
          <dd>{loan.title}（{loan.productName}）</dd>
          <dt>借款用途</dt>
          <dd>{loan.purpose || "未披露"}</dd>
          <dt>还款方式</dt>
          <dd>{REPAYMENT_METHOD_LABELS[loan.method]}</dd>
          <dt>起息日</dt>
          <dd>
            {loan.interestStartDate
              ? String(
                loan.interestStartDate instanceof Date
                  ? loan.interestStartDate.toISOString().slice(0, 10)
                  : loan.interestStartDate,
              )
              : "放款日起息"}
          </dd>
          <dt>发布时间</dt>
          <dd>
            <LocalTime at={loan.publishAt} withTime />
          </dd>
          <dt>投标截止</dt>
          <dd>
            <LocalTime at={loan.bidDeadline} withTime />
          </dd>
        </dl>
      </section>

      <section class="card" id="bid">
        <h2>出借</h2>
        <BidForm
          data={data}
          csrfToken={state.csrfToken}
          signedIn={!!state.user}
          investor={state.user?.kind === "investor"}
        />
      </section>

      <section class="card" data-testid="disclosure">
        <h2>借款人信息披露</h2>
        <dl class="summary-list">
          {items.borrower.map((i) => (
            <>
              <dt>{i.label}</dt>
              <dd data-field={i.key}>{i.value}</dd>
            </>
          ))}
        </dl>
        <h2>项目风险</h2>
        <dl class="summary-list">
          {items.project.map((i) => (
            <>
              <dt>{i.label}</dt>
              <dd data-field={i.key}>{i.value}</dd>
            </>
          ))}
        </dl>
      </section>

      <section class="card" id="plan">
        <h2>回款计划试算</h2>
        <form method="get" action={`/loans/${loan.id}#plan`} class="inline-form">
          <Field
            name="amount"
            label="出借金额（元）"
            inputMode="decimal"
            value={data.planAmount}
            maxLength={20}
            errors={plan.ok ? undefined : [plan.message]}
          />
          <button type="submit" class="btn">计算</button>
        </form>
        {plan.ok && (
          <>
            <p>
              出借 {formatFen(plan.amountFen)}，按约定利率应收利息{" "}
              <span class="rate">{formatFen(plan.schedule.totalInterestFen)}</span>
              （未扣利息管理费{" "}
              {formatRateMicros(loan.interestManagementFeeMicros)}；借款人逾期或违约时可能无法按期收回）。
            </p>
            <ScheduleTable schedule={plan.schedule} caption="回款计划" />
          </>
        )}
        <p>
          <a href={`/loans/${loan.id}/contract`}>查看《出借协议》范本</a>
        </p>
      </section>

      <section class="card" id="bids">
        <h2>出借记录（{data.bids.total}）</h2>
        {data.bids.rows.length === 0 ? <p class="empty">暂无出借记录</p> : (
          <div class="table-scroll">
            <table class="data" data-testid="bid-list">
              <thead>
                <tr>
                  <th scope="col">出借人</th>
                  <th scope="col">金额</th>
                  <th scope="col">时间</th>
                </tr>
              </thead>
              <tbody>
                {data.bids.rows.map((b) => (
                  <tr>
                    <td>{b.investor}</td>
                    <td>{formatFen(b.amountFen)}</td>
                    <td>
                      <LocalTime at={b.createdAt} withTime />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {bidPages > 1 && (
          <nav class="pager" aria-label="出借记录分页">
            {data.bids.page > 1
              ? <a href={bidsHref(data.bids.page - 1)}>上一页</a>
              : <span class="muted">上一页</span>}
            <span>第 {data.bids.page} / {bidPages} 页</span>
            {data.bids.page < bidPages
              ? <a href={bidsHref(data.bids.page + 1)}>下一页</a>
              : <span class="muted">下一页</span>}
          </nav>
        )}
      </section>
      <p class="risk-note">{RISK_LINE}。平台不对出借本金及利息提供担保。</p>
    </>
  );
});
