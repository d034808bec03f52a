/**
 * `/account/withdrawals` — 提现记录: the user's withdrawals with their states, newest first. After a
 * request (`?submitted=<id>`) it says 「提现申请已提交，预计 T+1 到账」.
 */
import { page } from "../../framework/mod.ts";
import { DataTable } from "../../components/DataTable.tsx";
import { LocalTime } from "../../components/LocalTime.tsx";
import { formatFen } from "../../domain/money/format.ts";
import { parseId } from "../../domain/shared/ids.ts";
import {
  listUserWithdrawals,
  type UserWithdrawal,
  WITHDRAWAL_STATUS_LABELS,
  WITHDRAWAL_SUBMITTED_TEXT,
} from "../../domain/payments/withdrawal.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "提现记录";
    const rows = await listUserWithdrawals(ctx.state.sql, ctx.state.user!.id);
    const submittedId = parseId(ctx.url.searchParams.get("submitted"));
    const submitted = submittedId ? rows.find((r) => r.id === submittedId) ?? null : null;
    return page<{ rows: UserWithdrawal[]; submitted: UserWithdrawal | null }>({ rows, submitted });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    {data.submitted && (
      <p class="form-ok" role="status" data-testid="withdraw-submitted">
        {WITHDRAWAL_SUBMITTED_TEXT}
        {data.submitted.status === "pending_review" ? "（该笔需平台审核，审核通过后提交银行处理）" : ""}。
        提现 {formatFen(data.submitted.amountFen)}，预计到账 {formatFen(data.submitted.netFen)}。
      </p>
    )}
    <h1>提现记录</h1>
    <p>
      <a class="btn" href="/account/withdraw">我要提现</a>
    </p>
    <DataTable
      tableClass="data"
      rows={data.rows}
      empty="暂无提现记录"
      hideEmptyTable
      columns={[
        { header: "申请时间", cell: (r) => <LocalTime at={r.createdAt} withTime /> },
        { header: "提现金额", cell: (r) => formatFen(r.amountFen) },
        { header: "手续费", cell: (r) => formatFen(r.feeFen) },
        { header: "到账金额", cell: (r) => formatFen(r.netFen) },
        { header: "银行卡", text: true, cell: (r) => `${r.bankName} 尾号 ${r.last4}` },
        {
          header: "状态",
          text: true,
          cell: (r) => (
            <span data-status={r.status}>
              {WITHDRAWAL_STATUS_LABELS[r.status]}
              {r.rejectReason ? `：${r.rejectReason}` : ""}
            </span>
          ),
        },
      ]}
    />
  </>
));
