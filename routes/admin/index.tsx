/**
 * `/admin` — 概览, for every role: the lending figures of today (bids, listings, disbursements, repayments,
 * receivables, overdue) with a 30-day chart of bid volume and repayments, user, staff, message and queue
 * counts, a chart of registrations per day (last 14 Asia/Shanghai days) and a note on what the role does.
 */
import { BarChart } from "../../components/BarChart.tsx";
import { roleLabel } from "../../components/AdminShell.tsx";
import { page } from "../../framework/mod.ts";
import {
  dashboardCounts,
  lendingPerDay,
  lendingToday,
  registrationsPerDay,
  undeliveredCount,
} from "../../domain/admin/dashboard.ts";
import { LendingChart } from "../../components/admin/LendingChart.tsx";
import { formatFen } from "../../domain/money/format.ts";
import { isStaffRole, type StaffRole } from "../../domain/staff/permissions.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { define } from "../../utils.ts";
import { reconciliationAlert } from "../../domain/payments/reconciliation.ts";

/** Days in the registrations chart. */
const CHART_DAYS = 14;
/** Days in the lending chart. */
const LENDING_CHART_DAYS = 30;

const ROLE_NOTES: Readonly<Record<StaffRole, string>> = {
  super_admin: "您拥有全部权限：可管理员工账户、查看操作日志与系统状态。请定期在「操作日志」中校验哈希链。",
  operations: "运营：可查看和筛选用户、导出用户列表（导出会记入操作日志）。内容管理将在后续版本开放。",
  risk: "风控：可查看用户信息。借款审核、风控规则和催收功能将在借款业务上线后开放。",
  finance: "财务：可查看用户信息。放款、提现和对账功能将在资金业务上线后开放。",
  customer_service: "客服：可按手机号查找用户以协助处理咨询。客服工单将在后续版本开放。",
  tech: "技术：可查看系统状态（数据库、迁移、定时任务、死信队列）和操作日志。",
};

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "概览";
    const [counts, perDay, undelivered, lending, lendingDays] = await Promise.all([
      dashboardCounts(ctx.state.sql),
      registrationsPerDay(ctx.state.sql, CHART_DAYS),
      undeliveredCount(ctx.state.kv).catch(() => null),
      lendingToday(ctx.state.sql),
      lendingPerDay(ctx.state.sql, LENDING_CHART_DAYS),
    ]);
    const reconciliation = await reconciliationAlert(ctx.state.sql);
    return page({ counts, perDay, undelivered, reconciliation, lending, lendingDays, now: new Date() });
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { counts, perDay, lending } = data;
  const lendingStats: [string, string, string][] = [
    [
      "bids-today",
      "今日投标",
      `${formatCount(lending.bidsToday)} 笔 · ${formatFen(lending.bidAmountTodayFen)}`,
    ],
    ["loans-today", "今日上线标的", formatCount(lending.loansPublishedToday)],
    [
      "disbursed-today",
      "今日放款",
      `${formatCount(lending.disbursedToday)} 笔 · ${formatFen(lending.disbursedAmountTodayFen)}`,
    ],
    ["repaid-today", "今日还款", formatFen(lending.repaidTodayFen)],
    ["open-loans", "投标中标的", formatCount(lending.openLoans)],
    ["receivable-principal", "待收本金", formatFen(lending.receivablePrincipalFen)],
    ["receivable-interest", "待收利息", formatFen(lending.receivableInterestFen)],
    ["overdue-loans", "逾期借款", `${formatCount(lending.overdueLoans)} 笔`],
    ["overdue-due", "逾期未还本息", formatFen(lending.overdueDueFen)],
  ];
  const role = state.staff?.role ?? "";
  const chartTotal = formatCount(perDay.reduce((sum, d) => sum + d.count, 0n));
  const stats: [string, string][] = [
    ["注册用户", formatCount(counts.usersTotal)],
    ["出借人", formatCount(counts.investors)],
    ["借款人", formatCount(counts.borrowers)],
    ["今日注册", formatCount(counts.registeredToday)],
    ["在职员工", formatCount(counts.activeStaff)],
    ["今日站内消息", formatCount(counts.messagesToday)],
    ["今日短信/邮件", formatCount(counts.messagesSentToday)],
    ["死信", formatCount(counts.deadLetters)],
    ["待补投递", data.undelivered === null ? "—" : formatCount(data.undelivered)],
  ];
  return (
    <>
      <h1>概览</h1>
      <p class="muted">
        {state.staff?.displayName}（{roleLabel(role)}），数据截至 {formatShanghaiDateTime(data.now)}
      </p>
      {data.reconciliation && (
        <p class="form-error" role="alert" data-testid="reconciliation-alert">
          资金对账发现差异：{data.reconciliation.businessDate} 共 {data.reconciliation.differenceCount} 项，
          <a href={`/admin/finance/reconciliation?run=${data.reconciliation.runId}`}>查看对账报告</a>
        </p>
      )}
      <section class="card">
        <h2>借贷业务</h2>
        <div class="stats admin-stats">
          {lendingStats.map(([key, label, value]) => (
            <div class="stat">
              <div class="label">{label}</div>
              <div class="value" data-stat={key}>{value}</div>
            </div>
          ))}
        </div>
        <h3>近 {LENDING_CHART_DAYS} 天投标额与还款额</h3>
        <LendingChart days={data.lendingDays} />
        <p class="muted">按北京时间自然日统计；投标含已流标解冻的投标，还款含自动扣款和提前还款。</p>
      </section>
      <div class="stats admin-stats">
        {stats.map(([label, value]) => (
          <div class="stat">
            <div class="label">{label}</div>
            <div class="value">{value}</div>
          </div>
        ))}
      </div>
      <section class="card">
        <h2>近 {CHART_DAYS} 天每日注册</h2>
        <BarChart
          label={`近 ${CHART_DAYS} 天每日注册人数，共 ${chartTotal} 人`}
          bars={perDay.map((d) => ({
            label: d.day.slice(5),
            value: d.count,
            title: `${d.day}：${formatCount(d.count)} 人`,
          }))}
        />
        <p class="muted">按北京时间（Asia/Shanghai）自然日统计，共 {chartTotal} 人。</p>
      </section>
      <section class="card role-note">
        <h2>工作提示</h2>
        <p>{isStaffRole(role) ? ROLE_NOTES[role] : "您的角色暂无可用功能。"}</p>
      </section>
    </>
  );
});
