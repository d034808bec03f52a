/**
 * The external blacklist gateway (外部黑名单): does a person appear on an industry or court list of
 * dishonest debtors (e.g. 失信被执行人, 行业共享黑名单)? A *check*, called by the automatic review before its
 * transaction opens. The platform's own list is in the database (`domain/risk/blacklist.ts`).
 *
 * Implementations live in `integrations/` (today the sandbox, integrations/sandbox_blacklist.ts).
 *
 * Sandbox rules (documented for tests and the demo):
 * - an ID number in {@link SANDBOX_BLACKLIST_IDS} or the name 「黑名单」 → a hit (source 「法院失信被执行人名单」);
 * - the name 「系统繁忙」 → `unavailable`;
 * - anything else → no hit.
 * @module
 */
import { makeIdNumber } from "../identity/id_number.ts";
import type { GatewayPingResult } from "./ping.ts";

/** Who is checked. */
export interface BlacklistCheckInput {
  realName: string;
  idNumber: string;
  /** Idempotency / trace key of the request. */
  requestId: string;
}

/** Outcome of a check: a hit names its sources (Chinese list names). */
export type BlacklistCheckResult =
  | { ok: true; hit: boolean; sources: string[] }
  | { ok: false; code: "unavailable"; message: string };

/** The external blacklist provider. */
export interface BlacklistGateway {
  /** A short name for logs and the settings page (`sandbox`, …). */
  readonly name: string;
  check(input: BlacklistCheckInput): Promise<BlacklistCheckResult>;
  /** Health check (第三方设置 → 测试连接). */
  ping?(): Promise<GatewayPingResult>;
}

/** Sandbox: ID numbers on the external list. */
export const SANDBOX_BLACKLIST_IDS: readonly string[] = [
  makeIdNumber("110101", "19860404", "444"),
  makeIdNumber("440106", "19800808", "055"),
];
/** Sandbox: the name that is always a hit. */
export const SANDBOX_BLACKLIST_NAME = "黑名单";
/** Sandbox: the source named by a hit. */
export const SANDBOX_BLACKLIST_SOURCE = "法院失信被执行人名单";
