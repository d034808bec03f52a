/**
 * Versioned risk configuration: the rule sets (`risk_rule_sets`) and scorecards (`scorecards`) risk staff
 * edit in the admin (permission `risk.rules`). Nothing is edited in place: every save validates the whole
 * new configuration (zod), inserts it as the next version, activates it and retires the previous one — in
 * one transaction with its audit entry (`risk.rules.save`, `risk.scorecard.save`). A save names the
 * version it was based on; if another save came first it is refused (`stale`), so two editors cannot
 * silently overwrite each other. Decisions store the versions they used.
 * @module
 */
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { fieldErrorsFrom } from "../shared/field_errors.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { type Rule, ruleSchema, ruleSetSchema } from "./rules.ts";
import { type ScorecardConfig, scorecardSchema } from "./scorecard.ts";

/** The permission of the risk configuration. */
export const RISK_RULES_PERMISSION = "risk.rules" as const;
/** Versions the history lists. */
export const VERSION_HISTORY_LIMIT = 50;
/** Longest note of a save. */
export const NOTE_MAX_CHARS = 200;

/** One stored version. */
export interface ConfigVersion<T> {
  id: string;
  version: number;
  status: "draft" | "active" | "retired";
  config: T;
  note: string | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
}

/** Outcome of a save. */
export type SaveConfigResult =
  | { ok: true; version: number }
  | { ok: false; code: "forbidden" | "stale" | "not_found" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of the failures. */
export const SAVE_CONFIG_MESSAGES = {
  forbidden: "无权操作",
  stale: "配置已被他人修改，请刷新页面后重新编辑",
  not_found: "没有这条规则",
  invalid_input: "请按提示修改",
} as const;

/** The HTTP status of a failed save: 403 forbidden, 409 stale, 422 otherwise. */
export function saveConfigStatus(code: Exclude<SaveConfigResult, { ok: true }>["code"]): number {
  return code === "forbidden" ? 403 : code === "stale" ? 409 : 422;
}

/** A version's status as the history shows it. */
export const CONFIG_STATUS_TEXT: Record<ConfigVersion<unknown>["status"], string> = {
  active: "启用中",
  retired: "已停用",
  draft: "草稿",
};

type Actor = { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null };

const TABLES = { rules: "risk_rule_sets", scorecard: "scorecards" } as const;
type Kind = keyof typeof TABLES;

async function readVersions<T>(db: Queryable, kind: Kind, where: "active" | "all", version?: number) {
  const table = db(TABLES[kind]);
  const column = db(kind === "rules" ? "rules" : "config");
  const rows = await db<
    (Omit<ConfigVersion<T>, "id" | "createdBy"> & {
      id: string | bigint;
      createdBy: string | bigint | null;
    })[]
  >`
    select v.id, v.version, v.status, v.${column} as config, v.note, v.created_by as "createdBy",
      s.display_name as "createdByName", v.created_at as "createdAt", v.activated_at as "activatedAt",
      v.retired_at as "retiredAt"
    from ${table} v left join staff s on s.id = v.created_by
    where ${
    where === "active"
      ? db`v.status = 'active'`
      : version !== undefined
      ? db`v.version = ${version}`
      : db`true`
  }
    order by v.version desc limit ${VERSION_HISTORY_LIMIT}`;
  return rows.map((r) => ({
    ...r,
    id: String(r.id),
    createdBy: r.createdBy === null ? null : String(r.createdBy),
  }));
}

/** The active rule set (validated). @throws {Error} when none is active or it does not validate. */
export async function activeRuleSet(db: Queryable): Promise<ConfigVersion<Rule[]>> {
  const [row] = await readVersions<unknown>(db, "rules", "active");
  if (!row) throw new Error("no active risk rule set");
  return { ...row, config: ruleSetSchema.parse(row.config) };
}

/** The active scorecard (validated). @throws {Error} when none is active or it does not validate. */
export async function activeScorecard(db: Queryable): Promise<ConfigVersion<ScorecardConfig>> {
  const [row] = await readVersions<unknown>(db, "scorecard", "active");
  if (!row) throw new Error("no active scorecard");
  return { ...row, config: scorecardSchema.parse(row.config) };
}

/** The latest {@link VERSION_HISTORY_LIMIT} rule-set versions, newest first (configs as stored). */
export async function ruleSetHistory(db: Queryable): Promise<ConfigVersion<Rule[]>[]> {
  return await readVersions<Rule[]>(db, "rules", "all");
}

/** The latest {@link VERSION_HISTORY_LIMIT} scorecard versions, newest first. */
export async function scorecardHistory(db: Queryable): Promise<ConfigVersion<ScorecardConfig>[]> {
  return await readVersions<ScorecardConfig>(db, "scorecard", "all");
}

/** One rule-set version, or `null`. */
export async function ruleSetVersion(db: Queryable, version: number): Promise<ConfigVersion<Rule[]> | null> {
  if (!Number.isSafeInteger(version) || version < 1) return null;
  const [row] = await readVersions<Rule[]>(db, "rules", "all", version);
  return row ?? null;
}

/** One scorecard version, or `null`. */
export async function scorecardVersion(
  db: Queryable,
  version: number,
): Promise<ConfigVersion<ScorecardConfig> | null> {
  if (!Number.isSafeInteger(version) || version < 1) return null;
  const [row] = await readVersions<ScorecardConfig>(db, "scorecard", "all", version);
  return row ?? null;
}

function checkNote(note: string | undefined, fields: Record<string, string[]>): string | null {
  const text = (note ?? "").trim();
  if (Array.from(text).length > NOTE_MAX_CHARS) fields.note = [`说明最多 ${NOTE_MAX_CHARS} 个字`];
  return text === "" ? null : text;
}

/**
 * Insert `config` as the next version of `kind`, activate it and retire the active one, under a row lock of
 * the active version (refused as `stale` when it is not `baseVersion`). Audited.
 */
async function saveVersion(
  tx: Tx,
  kind: Kind,
  input: {
    baseVersion: number;
    config: unknown;
    note: string | null;
    summary: Record<string, string | number>;
  },
  actor: Actor,
): Promise<SaveConfigResult> {
  const table = tx(TABLES[kind]);
  const column = tx(kind === "rules" ? "rules" : "config");
  // the seed row may be locked; every save of this kind serialises on the active row
  const [active] = await tx<{ id: string; version: number }[]>`
    select id, version from ${table} where status = 'active' for update`;
  if (!active || active.version !== input.baseVersion) return { ok: false, code: "stale" };
  const [{ next }] = await tx<{ next: number }[]>`select coalesce(max(version), 0) + 1 as next from ${table}`;
  await tx`update ${table} set status = 'retired', retired_at = now() where id = ${active.id}`;
  await tx`
    insert into ${table} (version, ${column}, status, note, created_by, activated_at)
    values (${next}, ${tx.json(input.config as never)}, 'active', ${input.note}, ${actor.staff.id}, now())`;
  await appendAudit(tx, {
    staffId: actor.staff.id,
    action: kind === "rules" ? "risk.rules.save" : "risk.scorecard.save",
    target: `${TABLES[kind]}:${next}`,
    detail: { fromVersion: active.version, version: next, note: input.note, ...input.summary },
    ip: actor.ip,
  });
  return { ok: true, version: next };
}

/**
 * Save a whole rule set as a new active version (needs `risk.rules`). `rules` is validated with
 * {@link ruleSetSchema}; errors come back per rule (`rules.<i>.<field>`).
 */
export async function saveRuleSet(
  db: Db,
  input: { baseVersion: number; rules: unknown; note?: string; change?: string },
  actor: Actor,
): Promise<SaveConfigResult> {
  if (!can(actor.staff, RISK_RULES_PERMISSION)) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const note = checkNote(input.note, fields);
  const parsed = ruleSetSchema.safeParse(input.rules);
  if (!parsed.success) Object.assign(fields, prefixed("rules", fieldErrorsFrom(parsed.error, "")));
  if (Object.keys(fields).length > 0 || !parsed.success) return { ok: false, code: "invalid_input", fields };
  return await transaction(db, (tx) =>
    saveVersion(tx, "rules", {
      baseVersion: input.baseVersion,
      config: parsed.data,
      note,
      summary: { change: input.change ?? "replace", ruleCount: parsed.data.length },
    }, actor));
}

/**
 * Add, replace or remove ONE rule of the active set (the admin form), saving the result as a new version.
 * `originalCode` names the rule edited or removed (absent when adding). Field errors are keyed by the
 * rule's own field names (`code`, `value`, …).
 */
export async function changeRule(
  db: Db,
  input: { baseVersion: number; originalCode?: string; rule?: unknown; remove?: boolean; note?: string },
  actor: Actor,
): Promise<SaveConfigResult> {
  if (!can(actor.staff, RISK_RULES_PERMISSION)) return { ok: false, code: "forbidden" };
  const current = await activeRuleSet(db);
  if (current.version !== input.baseVersion) return { ok: false, code: "stale" };
  const rules = [...current.config];
  const index = input.originalCode === undefined ? -1 : rules.findIndex((r) => r.code === input.originalCode);
  if (input.originalCode !== undefined && index < 0) return { ok: false, code: "not_found" };
  let change: string;
  if (input.remove) {
    if (index < 0) return { ok: false, code: "not_found" };
    if (rules.length === 1) {
      return { ok: false, code: "invalid_input", fields: { form: ["至少保留一条规则"] } };
    }
    rules.splice(index, 1);
    change = `remove ${input.originalCode}`;
  } else {
    const parsed = ruleSchema.safeParse(input.rule);
    if (!parsed.success) {
      return { ok: false, code: "invalid_input", fields: fieldErrorsFrom(parsed.error, "form") };
    }
    const clash = rules.findIndex((r) => r.code === parsed.data.code);
    if (clash >= 0 && clash !== index) {
      return { ok: false, code: "invalid_input", fields: { code: ["规则编号已存在"] } };
    }
    if (index >= 0) rules[index] = parsed.data;
    else rules.push(parsed.data);
    change = index >= 0 ? `edit ${input.originalCode}` : `add ${parsed.data.code}`;
  }
  return await saveRuleSet(db, { baseVersion: input.baseVersion, rules, note: input.note, change }, actor);
}

/** Save a scorecard as a new active version (needs `risk.rules`); validated with {@link scorecardSchema}. */
export async function saveScorecard(
  db: Db,
  input: { baseVersion: number; config: unknown; note?: string },
  actor: Actor,
): Promise<SaveConfigResult> {
  if (!can(actor.staff, RISK_RULES_PERMISSION)) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const note = checkNote(input.note, fields);
  const parsed = scorecardSchema.safeParse(input.config);
  if (!parsed.success) Object.assign(fields, fieldErrorsFrom(parsed.error, "form"));
  if (Object.keys(fields).length > 0 || !parsed.success) return { ok: false, code: "invalid_input", fields };
  return await transaction(db, (tx) =>
    saveVersion(tx, "scorecard", {
      baseVersion: input.baseVersion,
      config: parsed.data,
      note,
      summary: { attributeCount: parsed.data.attributes.length },
    }, actor));
}

function prefixed(prefix: string, fields: Record<string, string[] | undefined>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(fields)) if (v) out[k ? `${prefix}.${k}` : prefix] = v;
  return out;
}
