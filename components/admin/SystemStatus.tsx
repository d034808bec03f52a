import { formatCount } from "../../domain/shared/count.ts";
import { formatShanghaiDateTime } from "../../domain/shared/shanghai_time.ts";
import type { DeadLetterRow, JobRunRow, MigrationRow } from "../../domain/admin/system_status.ts";
import { type Column, DataTable, ScrollTable } from "../DataTable.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

const JOB_STATUS_LABELS: Record<string, string> = { running: "运行中", done: "完成", failed: "失败" };

/** A time with seconds, Asia/Shanghai. */
const at = (d: Date) => formatShanghaiDateTime(d, { withSeconds: true });

function Ok({ ok }: { ok: boolean }) {
  return <StatusBadge ok={ok}>{ok ? "正常" : "异常"}</StatusBadge>;
}

/** Props of {@link SystemSummary}. */
export interface SystemSummaryProps {
  dbKind: string;
  dbOk: boolean;
  kvOk: boolean;
  /** Messages still to be delivered again (null when KV does not answer). */
  undelivered: bigint | null;
  /** Outbox events waiting for delivery, and those that gave up. */
  outbox: { pending: bigint; dead: bigint };
  /** The gateways in use, e.g. `短信 sandbox`. */
  gateways: string;
  env: string;
  demo: boolean;
  checkMs: number;
}

/** The database and KV liveness, the environment and how long the checks took, as a table of facts. */
export function SystemSummary(props: SystemSummaryProps) {
  return (
    <ScrollTable tableClass="data admin-table">
      <tbody>
        <tr>
          <th scope="row" class="text">数据库</th>
          <td class="text">
            {props.dbKind === "pglite" ? "嵌入式 PGlite" : "PostgreSQL"}（{props.dbKind}）{" "}
            <Ok ok={props.dbOk} />
          </td>
        </tr>
        <tr>
          <th scope="row" class="text">Deno KV</th>
          <td class="text">
            <Ok ok={props.kvOk} />{" "}
            {props.undelivered !== null && `待补投递消息 ${formatCount(props.undelivered)} 条`}
          </td>
        </tr>
        <tr>
          <th scope="row" class="text">发件队列（outbox）</th>
          <td class="text">
            待投递 {formatCount(props.outbox.pending)} 条，放弃 {formatCount(props.outbox.dead)} 条
            {props.outbox.dead > 0n && "（请检查外部网关与错误日志）"}
          </td>
        </tr>
        <tr>
          <th scope="row" class="text">外部网关</th>
          <td class="text">{props.gateways}</td>
        </tr>
        <tr>
          <th scope="row" class="text">运行环境</th>
          <td class="text">{props.env}{props.demo ? "（演示模式）" : ""}</td>
        </tr>
        <tr>
          <th scope="row" class="text">检查耗时</th>
          <td class="text">{props.checkMs} ms</td>
        </tr>
      </tbody>
    </ScrollTable>
  );
}

const MIGRATION_COLUMNS: Column<MigrationRow>[] = [
  { header: "版本", cell: (m) => String(m.version).padStart(4, "0") },
  { header: "名称", text: true, cellClass: "mono", cell: (m) => m.name },
  { header: "应用时间", cell: (m) => at(m.appliedAt) },
];

/** The applied database migrations, in order. */
export function MigrationTable(props: { rows: MigrationRow[] }) {
  return <DataTable columns={MIGRATION_COLUMNS} rows={props.rows} />;
}

const JOB_RUN_COLUMNS: Column<JobRunRow>[] = [
  { header: "任务", text: true, cellClass: "mono", cell: (r) => r.job },
  { header: "运行键", text: true, cellClass: "mono", cell: (r) => r.runKey },
  { header: "状态", text: true, cell: (r) => JOB_STATUS_LABELS[r.status] ?? r.status },
  { header: "开始", cell: (r) => at(r.startedAt) },
  { header: "结束", cell: (r) => r.finishedAt ? at(r.finishedAt) : "—" },
  { header: "详情", text: true, cellClass: "mono", cell: (r) => JSON.stringify(r.detail).slice(0, 200) },
];

/** The newest cron runs (or a note that there are none yet). */
export function JobRunTable(props: { rows: JobRunRow[] }) {
  return (
    <DataTable columns={JOB_RUN_COLUMNS} rows={props.rows} empty="还没有定时任务运行记录。" hideEmptyTable />
  );
}

const DEAD_LETTER_COLUMNS: Column<DeadLetterRow>[] = [
  { header: "ID", cell: (d) => d.id },
  { header: "队列", text: true, cellClass: "mono", cell: (d) => d.queue },
  { header: "错误", text: true, cellClass: "mono", cell: (d) => d.error },
  { header: "尝试次数", cell: (d) => d.attempts },
  { header: "时间", cell: (d) => at(d.createdAt) },
];

/** The newest dead letters of the job queue (or 没有死信). */
export function DeadLetterTable(props: { rows: DeadLetterRow[] }) {
  return <DataTable columns={DEAD_LETTER_COLUMNS} rows={props.rows} empty="没有死信。" hideEmptyTable />;
}
