import { formatFen } from "../../domain/money/format.ts";
import type { Fen } from "../../domain/money/fen.ts";
import {
  type StaffWithdrawalRow,
  WITHDRAWAL_STATUS_LABELS,
  type WithdrawalSettings,
  type WithdrawalSettingsForm as SettingsValues,
} from "../../domain/payments/withdrawal.ts";
import { DataTable } from "../DataTable.tsx";
import { CsrfField, Field } from "../Field.tsx";
import { LocalTime } from "../LocalTime.tsx";

function who(r: StaffWithdrawalRow): string {
  const parts = r.approvals.map((a, i) => `第${i + 1}审：${a.staffName}`);
  if (r.rejectedByName) parts.push(`拒绝：${r.rejectedByName}`);
  return parts.join("；") || (r.requiredApprovals === 0 ? "免审（低于审核金额）" : "—");
}

/** The hidden fields of an approve or reject form: CSRF token, intent, withdrawal. */
function DecisionHidden(props: { intent: "approve" | "reject"; withdrawalId: string; csrfToken: string }) {
  return (
    <>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="intent" value={props.intent} />
      <input type="hidden" name="withdrawalId" value={props.withdrawalId} />
    </>
  );
}

/** The review queue (one card per withdrawal, oldest first) and the latest decided withdrawals. */
export function WithdrawalQueue(props: {
  pending: StaffWithdrawalRow[];
  recent: StaffWithdrawalRow[];
  me: string;
  csrfToken: string;
  errors: Record<string, string[]>;
  errorFor: string | null;
}) {
  return (
    <>
      <section aria-labelledby="wq-pending">
        <h2 id="wq-pending">待审核（{props.pending.length} 笔，最早的在前）</h2>
        {props.pending.length === 0 && <p class="empty">暂无待审核的提现</p>}
        {props.pending.map((w) => {
          const mine = w.approvals.some((a) => a.staffId === props.me);
          const errors = props.errorFor === w.id ? props.errors : {};
          return (
            <article class="card" data-withdrawal={w.id} aria-label={`提现 ${w.id}`}>
              <dl class="kv-list">
                <dt>编号</dt>
                <dd>{w.id}</dd>
                <dt>用户</dt>
                <dd>{w.userName ?? "—"}（ID {w.userId}）</dd>
                <dt>金额</dt>
                <dd>
                  <strong>{formatFen(w.amountFen)}</strong>（手续费 {formatFen(w.feeFen)}，到账{" "}
                  {formatFen(w.netFen)}）
                </dd>
                <dt>银行卡</dt>
                <dd>{w.bankName} 尾号 {w.last4}</dd>
                <dt>申请时间</dt>
                <dd>
                  <LocalTime at={w.createdAt} withTime />
                </dd>
                <dt>审批</dt>
                <dd data-testid="approvals">
                  需 {w.requiredApprovals} 人审批，已审批 {w.approvals.length}{" "}
                  人{w.approvals.length > 0 ? `（${who(w)}）` : ""}
                </dd>
              </dl>
              {errors.form && <p class="form-error" role="alert">{errors.form[0]}</p>}
              {mine
                ? <p class="muted">您已审批，第二次审批须由另一位员工完成。</p>
                : (
                  <form method="post" action="/admin/finance/withdrawals">
                    <DecisionHidden intent="approve" withdrawalId={w.id} csrfToken={props.csrfToken} />
                    <button type="submit" class="btn">审批通过</button>
                  </form>
                )}
              <form method="post" action="/admin/finance/withdrawals" class="stack" novalidate>
                <DecisionHidden intent="reject" withdrawalId={w.id} csrfToken={props.csrfToken} />
                <Field name="reason" label="拒绝原因" maxLength={200} errors={errors.reason} />
                <button type="submit" class="btn btn-secondary">拒绝并退回资金</button>
              </form>
            </article>
          );
        })}
      </section>
      <section class="card" aria-labelledby="wq-recent">
        <h2 id="wq-recent">最近处理</h2>
        <DataTable
          rows={props.recent}
          empty="暂无记录"
          hideEmptyTable
          columns={[
            { header: "编号", cell: (r) => r.id },
            { header: "用户", text: true, cell: (r) => `${r.userName ?? "—"}（${r.userId}）` },
            { header: "金额", cell: (r) => formatFen(r.amountFen) },
            { header: "状态", text: true, cell: (r) => WITHDRAWAL_STATUS_LABELS[r.status] },
            { header: "经办", text: true, cell: (r) => who(r) },
            { header: "原因", text: true, cell: (r) => r.rejectReason ?? "" },
            { header: "申请时间", cell: (r) => <LocalTime at={r.createdAt} withTime /> },
          ]}
        />
      </section>
    </>
  );
}

const yuan = (fen: Fen) => formatFen(fen).replace("¥", "").replaceAll(",", "");

/** The settings form's fields: name, label, keyboard. */
const SETTINGS_FIELDS: readonly (readonly [keyof SettingsValues, string, "decimal" | "numeric"])[] = [
  ["reviewThresholdYuan", "审核金额（元）", "decimal"],
  ["secondApprovalThresholdYuan", "双人审批金额（元）", "decimal"],
  ["minAmountYuan", "单笔最低金额（元）", "decimal"],
  ["dailyCountLimit", "每日笔数上限", "numeric"],
  ["dailyAmountLimitYuan", "每日金额上限（元）", "decimal"],
];

/** The thresholds and daily limits (`intent=settings`). */
export function WithdrawalSettingsForm(props: {
  settings: WithdrawalSettings;
  values: SettingsValues | null;
  errors: Record<string, string[]>;
  csrfToken: string;
}) {
  const s = props.settings;
  const v = props.values ?? {
    reviewThresholdYuan: yuan(s.reviewThresholdFen),
    secondApprovalThresholdYuan: yuan(s.secondApprovalThresholdFen),
    minAmountYuan: yuan(s.minAmountFen),
    dailyCountLimit: String(s.dailyCountLimit),
    dailyAmountLimitYuan: yuan(s.dailyAmountLimitFen),
  };
  const e = props.errors;
  return (
    <section class="card" aria-labelledby="wq-settings">
      <h2 id="wq-settings">提现设置</h2>
      <p class="muted">
        超过审核金额的提现需一位员工审批；超过双人审批金额的需两位不同员工审批。最近修改：
        {s.updatedByName ?? "系统初始值"}，<LocalTime at={s.updatedAt} withTime />。
      </p>
      {e.settings && <p class="form-error" role="alert">{e.settings[0]}</p>}
      <form method="post" action="/admin/finance/withdrawals" class="stack" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="intent" value="settings" />
        {SETTINGS_FIELDS.map(([name, label, inputMode]) => (
          <Field name={name} label={label} inputMode={inputMode} value={v[name]} errors={e[name]} />
        ))}
        <button type="submit" class="btn">保存设置</button>
      </form>
    </section>
  );
}
