/**
 * What the staff 系统状态 page shows: applied migrations, recent cron runs, dead letters of the job queue,
 * and the outbox's waiting and given-up events.
 */
import type { Db } from "../../db/tx.ts";

/** Most rows per section. */
export const SYSTEM_LIST_LIMIT = 20;

/** One applied migration. */
export interface MigrationRow {
  version: number;
  name: string;
  appliedAt: Date;
}

/** One cron run record. */
export interface JobRunRow {
  job: string;
  runKey: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  detail: unknown;
}

/** One dead letter. */
export interface DeadLetterRow {
  id: string;
  queue: string;
  error: string;
  attempts: number;
  createdAt: Date;
}

/** Applied migrations, in order. */
export async function appliedMigrations(sql: Db): Promise<MigrationRow[]> {
  return await sql<MigrationRow[]>`
    select version, name, applied_at as "appliedAt" from schema_migrations order by version`;
}

/** The newest cron runs (at most {@link SYSTEM_LIST_LIMIT}). */
export async function recentJobRuns(sql: Db): Promise<JobRunRow[]> {
  return await sql<JobRunRow[]>`
    select job, run_key as "runKey", status, started_at as "startedAt", finished_at as "finishedAt", detail
    from job_runs order by started_at desc limit ${SYSTEM_LIST_LIMIT}`;
}

/** The newest dead letters (at most {@link SYSTEM_LIST_LIMIT}) and how many there are in all. */
export async function recentDeadLetters(sql: Db): Promise<{ rows: DeadLetterRow[]; total: bigint }> {
  const rows = await sql<DeadLetterRow[]>`
    select id, queue, left(error, 500) as error, attempts, created_at as "createdAt"
    from dead_letters order by id desc limit ${SYSTEM_LIST_LIMIT}`;
  const [{ total }] = await sql<{ total: bigint }[]>`select count(*) as total from dead_letters`;
  return { rows, total };
}

/** Outbox events waiting for delivery and those that gave up (`dead`). */
export { outboxCounts } from "../../db/outbox.ts";
