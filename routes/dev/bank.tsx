/**
 * `/dev/bank` — 开发沙箱 · 存管银行: the sandbox custody bank's own books (sub-accounts with balance and
 * frozen part, the latest movements) and how many sandbox callbacks still wait for delivery. Only in demo
 * mode and only while the bank is the sandbox; otherwise 404.
 */
import { DataTable } from "../../components/DataTable.tsx";
import { HttpError, page } from "../../framework/mod.ts";
import { formatFen } from "../../domain/money/format.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import { define } from "../../utils.ts";

const KIND_LABELS: Record<string, string> = {
  top_up: "充值入账",
  freeze: "冻结",
  unfreeze: "解冻",
  transfer: "划转",
  withdrawal: "提现出账",
  adjustment: "银行调账",
};

export const handler = define.handlers({
  async GET(ctx) {
    const bank = ctx.state.gateways.custody.sandbox;
    if (!ctx.state.config.demo || !bank) throw new HttpError(404);
    ctx.state.title = "开发沙箱 · 存管银行";
    const overview = await bank.overview(50);
    return page({ overview }, { headers: { "cache-control": "no-store" } });
  },
});

export default define.page<typeof handler>(({ data }) => {
  const { overview } = data;
  return (
    <>
      <p class="risk-note dev-sandbox-note" role="note">
        开发沙箱：模拟的银行存管系统，独立于平台账本记账，仅在演示 / 开发环境存在。
      </p>
      <h1>开发沙箱 · 存管银行</h1>
      <p class="muted">
        待投递的回调：{overview.undeliveredCallbacks} 条。短信与邮件见<a href="/dev/sandbox">沙箱消息</a>。
      </p>
      <section class="card" aria-labelledby="bank-accounts">
        <h2 id="bank-accounts">存管子账户</h2>
        <DataTable
          rows={overview.accounts}
          empty="还没有存管账户。"
          columns={[
            { header: "账号", text: true, cellClass: "mono", cell: (a) => a.accountNo },
            { header: "用户", text: true, cell: (a) => a.userId ?? "平台" },
            { header: "余额", cell: (a) => formatFen(a.balanceFen) },
            { header: "其中冻结", cell: (a) => formatFen(a.frozenFen) },
            { header: "开户时间", cell: (a) => formatShanghaiDateTime(a.openedAt) },
          ]}
        />
      </section>
      <section class="card" aria-labelledby="bank-movements">
        <h2 id="bank-movements">最新流水</h2>
        <DataTable
          rows={overview.movements}
          empty="还没有流水。"
          columns={[
            { header: "时间", cell: (m) => formatShanghaiDateTime(m.executedAt, { withSeconds: true }) },
            { header: "账号", text: true, cellClass: "mono", cell: (m) => m.accountNo },
            { header: "类型", text: true, cell: (m) => KIND_LABELS[m.kind] ?? m.kind },
            { header: "金额", cell: (m) => formatFen(m.amountFen) },
            { header: "冻结变动", cell: (m) => formatFen(m.frozenDeltaFen) },
            { header: "银行流水号", text: true, cellClass: "mono", cell: (m) => m.bankReference },
            { header: "指令", text: true, cell: (m) => m.instructionId ?? "—" },
          ]}
        />
      </section>
    </>
  );
});
