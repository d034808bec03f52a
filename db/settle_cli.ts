/**
 * `deno task settle [--date YYYY-MM-DD] [--chunk N]`: run the daily settlement by hand for a day (default:
 * yesterday in Asia/Shanghai, as the 00:30 cron does) on the configured database, with a progress bar on
 * stderr. Safe to rerun: a finished day changes nothing, an interrupted one resumes. Exit codes: 0 done,
 * 1 failed, 2 bad arguments, 3 another run holds the lock.
 */
import { loadConfig } from "../config.ts";
import { openDatabase } from "./connection.ts";
import { createOutbox } from "./outbox.ts";
import { createPiiCipher } from "../domain/accounts/pii.ts";
import { settleDay, type SettlementProgress } from "../domain/lending/settlement.ts";
import { formatShanghaiDate } from "../domain/shared/shanghai_time.ts";
import { previousDay } from "../jobs/reconciliation.ts";

/** The arguments: `--date` and `--chunk`, or an error message. */
export function parseSettleArgs(
  args: readonly string[],
): { day: string; chunkSize?: number } | { error: string } {
  let day = previousDay(formatShanghaiDate(new Date()));
  let chunkSize: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
    if (a.startsWith("--date")) {
      if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return { error: "--date 须为 YYYY-MM-DD" };
      day = value;
    } else if (a.startsWith("--chunk")) {
      chunkSize = Number(value);
      if (!Number.isInteger(chunkSize) || chunkSize < 1) return { error: "--chunk 须为正整数" };
    } else return { error: `未知参数 ${a}` };
  }
  return { day, chunkSize };
}

/** One line of the progress bar. */
export function progressBar(p: SettlementProgress, width = 30): string {
  const share = p.loansTotal === 0 ? 1 : Math.min(1, p.loansDone / p.loansTotal);
  const filled = Math.round(share * width);
  return `\r${p.day} [${"#".repeat(filled)}${
    "-".repeat(width - filled)
  }] ${p.loansDone}/${p.loansTotal} 笔借款` +
    ` (${Math.round(share * 100)}%)`;
}

if (import.meta.main) {
  const parsed = parseSettleArgs(Deno.args);
  if ("error" in parsed) {
    console.error(parsed.error);
    Deno.exit(2);
  }
  const config = loadConfig();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    maxConnections: 2,
  });
  const encoder = new TextEncoder();
  let code = 0;
  try {
    const outbox = createOutbox({ box: createPiiCipher(config) });
    const started = performance.now();
    const result = await settleDay(db.sql, { outbox }, {
      day: parsed.day,
      chunkSize: parsed.chunkSize,
      onProgress: (p) => {
        Deno.stderr.writeSync(encoder.encode(progressBar(p)));
      },
    });
    Deno.stderr.writeSync(encoder.encode("\n"));
    if (!result.ok) {
      console.error(result.code === "locked" ? "另一个结算正在进行" : `参数无效：${result.code}`);
      code = result.code === "locked" ? 3 : 2;
    } else {
      const c = result.counts;
      console.log(
        `${result.day} 结算${
          result.alreadyDone ? "已完成（本次无变更）" : "完成"
        }：自动扣款 ${c.debited} 笔、` +
          `${c.paidFen} 分，回款 ${c.claimRows} 条，新增逾期 ${c.newlyOverdue} 期，罚息 ${c.penaltyFen} 分，` +
          `加速到期 ${c.accelerated} 笔，结清 ${c.settled} 笔；用时 ${
            ((performance.now() - started) / 1000).toFixed(1)
          } 秒`,
      );
    }
  } catch (error) {
    console.error(error instanceof Error ? error.stack ?? error.message : String(error));
    code = 1;
  } finally {
    await db.close();
  }
  Deno.exit(code);
}
