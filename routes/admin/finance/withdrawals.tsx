/**
 * `/admin/finance/withdrawals` — 提现审核 (finance.withdrawals): the queue of withdrawals waiting for
 * review, oldest first, each with its approvals so far; approve (`intent=approve`) or reject with a reason
 * (`intent=reject`); the latest decided withdrawals with who did what; and the thresholds and daily limits
 * (`intent=settings`). Every action is audited. Post/redirect/get.
 */
import { WithdrawalQueue, WithdrawalSettingsForm } from "../../../components/payments/WithdrawalAdmin.tsx";
import { page, readForm } from "../../../framework/mod.ts";
import {
  approveWithdrawal,
  getWithdrawalSettings,
  listStaffWithdrawals,
  rejectWithdrawal,
  type StaffWithdrawalRow,
  updateWithdrawalSettings,
  WITHDRAWAL_MESSAGES,
  type WithdrawalSettings,
  type WithdrawalSettingsForm as SettingsValues,
} from "../../../domain/payments/withdrawal.ts";
import { define, doneNotice, formText, type State } from "../../../utils.ts";

interface QueueData {
  pending: StaffWithdrawalRow[];
  recent: StaffWithdrawalRow[];
  settings: WithdrawalSettings;
  settingsValues: SettingsValues | null;
  errors: Record<string, string[]>;
  /** The withdrawal an error belongs to. */
  errorFor: string | null;
  notice: string | null;
}

const NOTICES: Record<string, string> = {
  approved: "已审批通过，已提交存管银行处理。",
  approved_first: "已记录第一次审批，还需另一位员工审批。",
  rejected: "已拒绝，资金已退回用户可用余额并已通知用户。",
  settings: "提现设置已保存，已记入操作日志。",
};

async function render(state: State, partial: Partial<QueueData>, status = 200) {
  const [pending, recent, settings] = await Promise.all([
    listStaffWithdrawals(state.sql, "pending"),
    listStaffWithdrawals(state.sql, "recent", 50),
    getWithdrawalSettings(state.sql),
  ]);
  return page<QueueData>({
    pending,
    recent,
    settings,
    settingsValues: partial.settingsValues ?? null,
    errors: partial.errors ?? {},
    errorFor: partial.errorFor ?? null,
    notice: partial.notice ?? null,
  }, { status });
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "提现审核";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "提现审核";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const actor = { staff: ctx.state.staff!, ip: ctx.state.clientIp };
    const deps = { outbox: ctx.state.outbox };
    const intent = text("intent", 20);
    const withdrawalId = text("withdrawalId", 20);
    if (intent === "approve") {
      const r = await approveWithdrawal(ctx.state.sql, { withdrawalId }, actor, deps);
      if (r.ok) {
        return ctx.redirect(
          `/admin/finance/withdrawals?done=${r.status === "processing" ? "approved" : "approved_first"}`,
          303,
        );
      }
      const status = r.code === "forbidden" ? 403 : r.code === "not_found" ? 404 : 409;
      return await render(ctx.state, {
        errors: { form: [WITHDRAWAL_MESSAGES[r.code]] },
        errorFor: withdrawalId,
      }, status);
    }
    if (intent === "reject") {
      const r = await rejectWithdrawal(
        ctx.state.sql,
        { withdrawalId, reason: text("reason", 400) },
        actor,
        deps,
      );
      if (r.ok) return ctx.redirect("/admin/finance/withdrawals?done=rejected", 303);
      if (r.code === "invalid_input") {
        return await render(ctx.state, { errors: r.fields, errorFor: withdrawalId }, 422);
      }
      const status = r.code === "forbidden" ? 403 : r.code === "not_found" ? 404 : 409;
      return await render(ctx.state, {
        errors: { form: [WITHDRAWAL_MESSAGES[r.code]] },
        errorFor: withdrawalId,
      }, status);
    }
    if (intent === "settings") {
      const values: SettingsValues = {
        reviewThresholdYuan: text("reviewThresholdYuan", 30),
        secondApprovalThresholdYuan: text("secondApprovalThresholdYuan", 30),
        minAmountYuan: text("minAmountYuan", 30),
        dailyCountLimit: text("dailyCountLimit", 10),
        dailyAmountLimitYuan: text("dailyAmountLimitYuan", 30),
      };
      const r = await updateWithdrawalSettings(ctx.state.sql, values, actor);
      if (r.ok) return ctx.redirect("/admin/finance/withdrawals?done=settings", 303);
      if (r.code === "invalid_input") {
        return await render(ctx.state, { settingsValues: values, errors: r.fields }, 422);
      }
      return await render(ctx.state, {
        settingsValues: values,
        errors: { settings: [WITHDRAWAL_MESSAGES.forbidden] },
      }, 403);
    }
    return await render(ctx.state, {}, 400);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    <h1>提现审核</h1>
    {data.notice && <p class="form-ok" role="status">{data.notice}</p>}
    <WithdrawalQueue
      pending={data.pending}
      recent={data.recent}
      me={state.staff!.id}
      csrfToken={state.csrfToken}
      errors={data.errors}
      errorFor={data.errorFor}
    />
    <WithdrawalSettingsForm
      settings={data.settings}
      values={data.settingsValues}
      errors={data.errors}
      csrfToken={state.csrfToken}
    />
  </>
));
