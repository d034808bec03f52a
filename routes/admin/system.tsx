/**
 * `/admin/system` — 系统状态 (system.config): database kind and liveness, KV liveness, the outbox (waiting
 * and given-up events), the gateways in use, applied migrations, recent cron runs and the job queue's dead
 * letters. Read-only.
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
import {
  appliedMigrations,
  outboxCounts,
  recentDeadLetters,
  recentJobRuns,
} from "../../domain/admin/system_status.ts";
import { formatCount } from "../../domain/shared/count.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "系统状态";
    const { sql, kv } = ctx.state;
    const started = performance.now();
    const [dbOk, kvOk] = await Promise.all([databaseAnswers(sql), kvAnswers(kv)]);
    const checkMs = Math.round(performance.now() - started);
    const [migrations, jobRuns, deadLetters, undelivered, outbox] = await Promise.all([
      appliedMigrations(sql),
      recentJobRuns(sql),
      recentDeadLetters(sql),
      kvOk ? undeliveredCount(kv) : Promise.resolve(null),
      outboxCounts(sql),
    ]);
    const { sms, email } = ctx.state.gateways;
    return page({
      dbKind: ctx.state.dbKind,
      dbOk,
      kvOk,
      checkMs,
      migrations,
      jobRuns,
      deadLetters,
      undelivered,
      outbox,
      gateways: `短信 ${sms.name}，邮件 ${email.name}`,
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
    <h2>死信（共 {formatCount(data.deadLetters.total)} 条）</h2>
    <DeadLetterTable rows={data.deadLetters.rows} />
  </>
));
