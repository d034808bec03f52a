/**
 * `/account/risk-assessment` — 风险测评: the investor's current level (with score, date and expiry;
 * expired → must redo) and the questionnaire. A submission is scored and stored (new row each time); an
 * unanswered question re-renders the form with the message next to it (422), nothing stored.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import {
  latestAssessment,
  type RiskAssessment,
  type RiskLevelRule,
  ruleForLevel,
  SUBMIT_ASSESSMENT_MESSAGES,
  submitRiskAssessment,
} from "../../domain/investor/risk_assessment.ts";
import {
  ASSESSMENT_VALID_MONTHS,
  QUESTIONNAIRE_VERSION,
  QUESTIONS,
  RISK_LEVEL_LABELS,
} from "../../domain/investor/risk_questionnaire.ts";
import { formatWan } from "../../domain/money/format.ts";
import { define, type State } from "../../utils.ts";

interface RiskAssessmentPageData {
  isInvestor: boolean;
  latest: RiskAssessment | null;
  rule: RiskLevelRule | null;
  expired: boolean;
  answers: Record<string, string>;
  errors: Record<string, string[]>;
  formError?: string;
  done: boolean;
  /** Show the questionnaire (no result yet, expired, or asked to redo). */
  showForm: boolean;
}

async function render(
  state: State,
  partial: { answers?: Record<string, string>; errors?: Record<string, string[]>; formError?: string },
  options: { done?: boolean; redo?: boolean; status?: number } = {},
) {
  const user = state.user!;
  const latest = await latestAssessment(state.sql, user.id);
  const rule = latest ? await ruleForLevel(state.sql, latest.level) : null;
  const expired = latest !== null && latest.expiresAt.getTime() <= Date.now();
  const answers = partial.answers ?? (latest && !expired ? latest.answers : {});
  return page<RiskAssessmentPageData>({
    isInvestor: user.kind === "investor",
    latest,
    rule,
    expired,
    answers,
    errors: partial.errors ?? {},
    formError: partial.formError,
    done: options.done ?? false,
    showForm: latest === null || expired || (options.redo ?? false) || partial.errors !== undefined,
  }, { status: options.status ?? 200 });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "风险测评";
    return await render(ctx.state, {}, {
      done: ctx.url.searchParams.get("done") === "1",
      redo: ctx.url.searchParams.get("redo") === "1",
    });
  },

  async POST(ctx) {
    ctx.state.title = "风险测评";
    const form = await readForm(ctx.req);
    const answers: Record<string, string> = {};
    for (const q of QUESTIONS) {
      const v = form.get(q.id);
      if (typeof v === "string" && v) answers[q.id] = v.slice(0, 4);
    }
    const result = await submitRiskAssessment(ctx.state.sql, { userId: ctx.state.user!.id, answers });
    if (result.ok) return ctx.redirect("/account/risk-assessment?done=1", 303);
    if (result.code === "incomplete") {
      return await render(ctx.state, {
        answers,
        errors: result.fields,
        formError: SUBMIT_ASSESSMENT_MESSAGES.incomplete,
      }, { status: 422 });
    }
    return await render(ctx.state, {
      answers,
      errors: {},
      formError: SUBMIT_ASSESSMENT_MESSAGES[result.code],
    }, {
      status: 403,
    });
  },
});

function Result({ data }: { data: RiskAssessmentPageData }) {
  const latest = data.latest;
  if (!latest) {
    return (
      <p class="risk-note">
        您尚未完成风险测评。出借前须完成测评，平台将根据测评结果为您匹配可出借的项目风险等级和出借限额。
      </p>
    );
  }
  return (
    <section class="card" aria-labelledby="result-title">
      <h2 id="result-title">我的测评结果</h2>
      <dl class="kv-list">
        <dt>风险承受能力</dt>
        <dd data-field="level">
          <strong>{RISK_LEVEL_LABELS[latest.level]}（{latest.level}）</strong>
        </dd>
        <dt>测评得分</dt>
        <dd data-field="score">{latest.score} 分</dd>
        <dt>测评时间</dt>
        <dd>
          <LocalTime at={latest.assessedAt} withTime />
        </dd>
        <dt>有效期至</dt>
        <dd data-field="expires">
          <LocalTime at={latest.expiresAt} />
          {data.expired && <span class="badge badge-warn">已过期</span>}
        </dd>
        {data.rule && !data.expired && (
          <>
            <dt>可出借项目</dt>
            <dd data-field="grades">风险等级 {data.rule.allowedGrades.join("、")}</dd>
            <dt>单笔出借上限</dt>
            <dd>{formatWan(data.rule.perBidLimitFen)}</dd>
            <dt>累计持有上限</dt>
            <dd>{formatWan(data.rule.totalOutstandingLimitFen)}</dd>
          </>
        )}
      </dl>
      {data.expired
        ? <p class="risk-note">您的测评结果已过期，请重新完成测评后再出借。</p>
        : !data.showForm && (
          <p>
            <a href="/account/risk-assessment?redo=1#questionnaire">重新测评</a>
          </p>
        )}
    </section>
  );
}

/** The questionnaire page. */
export default define.page<typeof handler>(({ data, state }) => (
  <>
    <p>
      <a href="/account">‹ 我的账户</a>
    </p>
    <h1>风险测评</h1>
    {data.done && <p class="form-ok" role="status">测评已完成，结果如下。</p>}
    {!data.isInvestor ? <p class="empty">风险测评仅适用于出借人账户。</p> : (
      <>
        <Result data={data} />
        {data.showForm && (
          <form method="post" class="card" id="questionnaire" aria-labelledby="q-title" novalidate>
            <h2 id="q-title">风险承受能力问卷</h2>
            <p class="muted">
              共 {QUESTIONS.length} 题，请根据实际情况作答（问卷版本 {QUESTIONNAIRE_VERSION}）。测评结果有效期
              {" "}
              {ASSESSMENT_VALID_MONTHS} 个月。
            </p>
            {data.formError && <p class="form-error" role="alert">{data.formError}</p>}
            <CsrfField token={state.csrfToken} />
            {QUESTIONS.map((q, i) => {
              const error = data.errors[q.id]?.[0];
              return (
                <fieldset
                  class="form-field"
                  aria-invalid={error ? "true" : undefined}
                  aria-describedby={error ? `q-${q.id}-error` : undefined}
                >
                  <legend>{i + 1}. {q.text}</legend>
                  {q.options.map((o) => (
                    <label class="choice">
                      <input
                        type="radio"
                        name={q.id}
                        value={o.id}
                        checked={data.answers[q.id] === o.id}
                        required
                      />
                      <span>{o.text}</span>
                    </label>
                  ))}
                  {error && <p class="field-error" id={`q-${q.id}-error`} role="alert">{error}</p>}
                </fieldset>
              );
            })}
            <button type="submit" class="btn btn-block">提交测评</button>
          </form>
        )}
        <p class="muted">市场有风险，出借需谨慎。</p>
      </>
    )}
  </>
));
