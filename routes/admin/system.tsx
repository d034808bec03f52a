/**
 * `/admin/system` — 系统状态 (system.config): database kind and liveness, KV liveness, applied
 * migrations, recent cron runs and the job queue's dead letters. Read-only.
 */
import {
  DeadLetterTable,
  JobRunTable,
  MigrationTable,
  SystemSummary,
} from "../../components/admin/SystemStatus.tsx";
import { page } from "../../framework/mod.ts";
import { undeliveredCount } from "../../domain/admin/dashboard.ts";
import { databaseAnswers, kvAnswers } from "../../domain/admin/health.ts";
import { appliedMigrations, recentDeadLetters, recentJobRuns } from "../../domain/admin/system_status.ts";
import { define } from "../../utils.ts";

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

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>系统状态</h1>
    <SystemSummary {...data} />
    <h2>数据库迁移（{data.migrations.length}）</h2>
    <MigrationTable rows={data.migrations} />
    <h2>最近的定时任务</h2>
    <JobRunTable rows={data.jobRuns} />
    <h2>死信（共 {data.deadLetters.total} 条）</h2>
    <DeadLetterTable rows={data.deadLetters.rows} />
  </>
));
