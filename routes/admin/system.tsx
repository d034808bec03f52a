/**
 * `/admin/system` — 系统状态 (system.config): database kind and liveness, KV liveness, applied
 * migrations, recent cron runs and the job queue's dead letters. Read-only.
 */
import { page } from "../../framework/mod.ts";
import { undeliveredCount } from "../../domain/admin_dashboard.ts";
import { databaseAnswers, kvAnswers } from "../../domain/health.ts";
import { formatShanghaiDateTime } from "../../domain/shanghai_time.ts";
import { appliedMigrations, recentDeadLetters, recentJobRuns } from "../../domain/system_status.ts";
import { define } from "../../utils.ts";

const JOB_STATUS_LABELS: Record<string, string> = { running: "运行中", done: "完成", failed: "失败" };

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "系统状态";
    const { sql, kv } = ctx.state;
    const started = performance.now();
    const [dbOk, kvOk] = await Promise.all([databaseAnswers(sql), kvAnswers(kv)]);
    const checkMs = Math.round(performance.now() - started);
    const [migrations, jobRuns, deadLetters, undelivered] = await Promise.all([
      appliedMigrations(sql),
      recentJobRuns(sql),
      recentDeadLetters(sql),
      kvOk ? undeliveredCount(kv) : Promise.resolve(null),
    ]);
    return page({
      dbKind: ctx.state.dbKind,
      dbOk,
      kvOk,
      checkMs,
      migrations,
      jobRuns,
      deadLetters,
      undelivered,
      env: ctx.state.config.env,
      demo: ctx.state.config.demo,
    });
  },
});

function Ok({ ok }: { ok: boolean }) {
  return ok ? <span class="badge">正常</span> : <span class="badge badge-warn">异常</span>;
}

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>系统状态</h1>
    <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
      <table class="data admin-table">
        <tbody>
          <tr>
            <th scope="row" class="text">数据库</th>
            <td class="text">
              {data.dbKind === "pglite" ? "嵌入式 PGlite" : "PostgreSQL"}（{data.dbKind}）{" "}
              <Ok ok={data.dbOk} />
            </td>
          </tr>
          <tr>
            <th scope="row" class="text">Deno KV</th>
            <td class="text">
              <Ok ok={data.kvOk} /> {data.undelivered !== null && `待补投递消息 ${data.undelivered} 条`}
            </td>
          </tr>
          <tr>
            <th scope="row" class="text">运行环境</th>
            <td class="text">{data.env}{data.demo ? "（演示模式）" : ""}</td>
          </tr>
          <tr>
            <th scope="row" class="text">检查耗时</th>
            <td class="text">{data.checkMs} ms</td>
          </tr>
        </tbody>
      </table>
    </div>

    <h2>数据库迁移（{data.migrations.length}）</h2>
    <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
      <table class="data admin-table">
        <thead>
          <tr>
            <th scope="col">版本</th>
            <th scope="col" class="text">名称</th>
            <th scope="col">应用时间</th>
          </tr>
        </thead>
        <tbody>
          {data.migrations.map((m) => (
            <tr>
              <td>{String(m.version).padStart(4, "0")}</td>
              <td class="text mono">{m.name}</td>
              <td>{formatShanghaiDateTime(m.appliedAt, { withSeconds: true })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>

    <h2>最近的定时任务</h2>
    {data.jobRuns.length === 0
      ? <p class="empty">还没有定时任务运行记录。</p>
      : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
          <table class="data admin-table">
            <thead>
              <tr>
                <th scope="col" class="text">任务</th>
                <th scope="col" class="text">运行键</th>
                <th scope="col" class="text">状态</th>
                <th scope="col">开始</th>
                <th scope="col">结束</th>
                <th scope="col" class="text">详情</th>
              </tr>
            </thead>
            <tbody>
              {data.jobRuns.map((r) => (
                <tr>
                  <td class="text mono">{r.job}</td>
                  <td class="text mono">{r.runKey}</td>
                  <td class="text">{JOB_STATUS_LABELS[r.status] ?? r.status}</td>
                  <td>{formatShanghaiDateTime(r.startedAt, { withSeconds: true })}</td>
                  <td>{r.finishedAt ? formatShanghaiDateTime(r.finishedAt, { withSeconds: true }) : "—"}</td>
                  <td class="text mono">{JSON.stringify(r.detail).slice(0, 200)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

    <h2>死信（共 {data.deadLetters.total} 条）</h2>
    {data.deadLetters.rows.length === 0
      ? <p class="empty">没有死信。</p>
      : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
          <table class="data admin-table">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col" class="text">队列</th>
                <th scope="col" class="text">错误</th>
                <th scope="col">尝试次数</th>
                <th scope="col">时间</th>
              </tr>
            </thead>
            <tbody>
              {data.deadLetters.rows.map((d) => (
                <tr>
                  <td>{d.id}</td>
                  <td class="text mono">{d.queue}</td>
                  <td class="text mono">{d.error}</td>
                  <td>{d.attempts}</td>
                  <td>{formatShanghaiDateTime(d.createdAt, { withSeconds: true })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
  </>
));
