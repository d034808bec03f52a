/**
 * `/admin/referral` — 邀请奖励 (content.manage): the reward per milestone an invitee reaches (实名认证,
 * 首次充值, 首次出借), its amount and whether it is active; each change audited `referral_rule.update`.
 * Rewards already credited are never changed. Post/redirect/get; bad input → 422 with the messages.
 * @module
 */
import { page, readForm } from "../../framework/mod.ts";
import { CsrfField, Field } from "../../components/Field.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import {
  listReferralRules,
  MILESTONE_LABELS,
  type ReferralRule,
  updateReferralRule,
} from "../../domain/investor/referral.ts";
import { formatFen } from "../../domain/money/format.ts";
import { define, doneNotice, type State } from "../../utils.ts";

interface RuleValues {
  milestone: string;
  amount: string;
  active: boolean;
}

interface ReferralPageData {
  rules: ReferralRule[];
  failed: { values: RuleValues; errors: Record<string, string[]> } | null;
  notice: string | null;
}

function yuanInput(fen: bigint): string {
  return `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
}

async function render(state: State, partial: Partial<ReferralPageData>, status = 200) {
  return page<ReferralPageData>({
    rules: await listReferralRules(state.sql),
    failed: partial.failed ?? null,
    notice: partial.notice ?? null,
  }, { status });
}

const NOTICES: Record<string, string> = {
  saved: "奖励规则已保存，已记入操作日志。",
  unchanged: "规则未变化，无需保存。",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "邀请奖励";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "邀请奖励";
    const form = await readForm(ctx.req);
    const values: RuleValues = {
      milestone: String(form.get("milestone") ?? "").slice(0, 40),
      amount: String(form.get("amount") ?? "").slice(0, 30),
      active: form.get("active") === "on",
    };
    const result = await updateReferralRule(ctx.state.sql, values, {
      staff: ctx.state.staff!,
      ip: ctx.state.clientIp,
    });
    if (result.ok) return ctx.redirect(`/admin/referral?done=${result.changed ? "saved" : "unchanged"}`, 303);
    const errors = result.code === "invalid_input" ? result.fields : { form: ["无权操作"] };
    return await render(ctx.state, { failed: { values, errors } }, result.code === "forbidden" ? 403 : 422);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>邀请奖励</h1>
    <p class="muted">
      被邀请人达到节点时，邀请人获得对应奖励（计入奖励金，每位被邀请人每个节点只发放一次）。修改只影响之后达到节点的奖励。
    </p>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <div class="admin-forms">
      {data.rules.map((rule) => {
        const mine = data.failed?.values.milestone === rule.milestone ? data.failed : null;
        const v = mine?.values ??
          { milestone: rule.milestone, amount: yuanInput(rule.amountFen), active: rule.active };
        const errors = mine?.errors ?? {};
        const id = `rule-${rule.milestone}`;
        return (
          <section class="card" aria-labelledby={id} data-milestone={rule.milestone}>
            <h2 id={id}>
              好友{MILESTONE_LABELS[rule.milestone]}{" "}
              <span class="badge">{rule.active ? "已启用" : "未启用"}</span>
            </h2>
            <p class="muted">
              当前奖励 {formatFen(rule.amountFen)}，更新于 <LocalTime at={rule.updatedAt} withTime />
            </p>
            {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
            <form method="post" action="/admin/referral" class="stack" novalidate>
              <CsrfField token={state.csrfToken} />
              <input type="hidden" name="milestone" value={rule.milestone} />
              <Field
                name="amount"
                label="奖励金额（元）"
                value={v.amount}
                inputMode="decimal"
                errors={errors.amount}
              />
              <label class="choice">
                <input type="checkbox" name="active" checked={v.active} />
                启用此奖励
              </label>
              <button type="submit" class="btn">保存</button>
            </form>
          </section>
        );
      })}
    </div>
  </>
));
