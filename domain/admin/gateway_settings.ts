/**
 * 第三方设置 (system.config): for every gateway of `Gateways` — listed generically, so gateways added later
 * appear by themselves — the mode staff chose (沙箱 sandbox / 正式 live) and its credentials (name → value).
 * Every credential value is encrypted with the PII cipher and never shown again: the page says only
 * 「已设置 ····1234」. Live mode is refused for a gateway without a real provider implementation
 * ({@link LIVE_IMPLEMENTATIONS}): nothing is faked. 测试连接 calls the running gateway's `ping()` (before
 * any transaction) and audits the outcome. Every change is audited (`gateway.*`, names only, never values).
 *
 * What the settings drive: today only the record — the running gateways are built from configuration in
 * `integrations/gateways.ts`; a real provider, when one is plugged in, reads its mode and credentials here
 * (see {@link readGatewayCredentials}).
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import type { GatewayPingResult, PingableGateway } from "../gateways/ping.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";

/** Gateway modes. */
export const GATEWAY_MODES = ["sandbox", "live"] as const;
/** A gateway mode. */
export type GatewayMode = typeof GATEWAY_MODES[number];
/** Chinese names of the modes. */
export const GATEWAY_MODE_LABELS: Readonly<Record<GatewayMode, string>> = {
  sandbox: "沙箱（sandbox）",
  live: "正式（live）",
};

/** Chinese names of the gateways (a gateway missing here shows its key). */
export const GATEWAY_LABELS: Readonly<Partial<Record<string, string>>> = {
  sms: "短信",
  email: "电子邮件",
  custody: "银行存管",
  payments: "支付通道",
  identity: "实名核验",
  creditBureau: "征信",
  blacklist: "外部黑名单",
};

/**
 * The gateways that have a real (live) provider implementation in this release. Empty: every gateway runs
 * its sandbox, so live mode cannot be chosen. Add a key here together with its implementation.
 */
export const LIVE_IMPLEMENTATIONS: ReadonlySet<string> = new Set<string>();

/** Most credentials one gateway may have. */
export const MAX_CREDENTIALS_PER_GATEWAY = 20;
/** Longest credential value (characters). */
export const CREDENTIAL_VALUE_MAX_CHARS = 4000;
/** Values at least this long show their last 4 characters as a hint. */
export const HINT_MIN_CHARS = 12;
/** How long 测试连接 waits for an answer. */
export const PING_TIMEOUT_MS = 5000;

const CREDENTIAL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Chinese messages of the settings commands. */
export const GATEWAY_SETTINGS_MESSAGES = {
  forbidden: "无权操作",
  unknown_gateway: "没有这个第三方通道",
  live_unavailable: "该通道尚未接入真实服务商（没有正式实现），不能切换到正式模式。当前只能使用沙箱。",
  credential_limit: `每个通道最多 ${MAX_CREDENTIALS_PER_GATEWAY} 项凭据`,
  no_ping: "该通道不支持测试连接",
} as const;

/** A gateway entry of `Gateways`: its key (`sms`, `custody`, …) and the running implementation. */
export interface GatewayEntry {
  key: string;
  gateway: PingableGateway;
}

/** Every field of a `Gateways` object that is a gateway (has a `name`), in declaration order. */
export function gatewayEntries(gateways: object): GatewayEntry[] {
  const out: GatewayEntry[] = [];
  for (const [key, value] of Object.entries(gateways)) {
    if (value && typeof value === "object" && typeof (value as { name?: unknown }).name === "string") {
      out.push({ key, gateway: value as PingableGateway });
    }
  }
  return out;
}

/** One credential as the page shows it (never the value). */
export interface CredentialView {
  name: string;
  /** `已设置 ····1234` or `已设置`. */
  display: string;
  updatedAt: Date;
}

/** One gateway as the page shows it. */
export interface GatewaySettingView {
  key: string;
  label: string;
  /** The running implementation's name (`sandbox`, …). */
  implementation: string;
  mode: GatewayMode;
  liveAvailable: boolean;
  canPing: boolean;
  credentials: CredentialView[];
  updatedAt: Date | null;
}

/** What the page shows for a stored credential. */
export function credentialDisplay(hint: string | null): string {
  return hint ? `已设置 ····${hint}` : "已设置";
}

/** Every gateway with its mode and credentials (names and hints only). */
export async function listGatewaySettings(db: Queryable, gateways: object): Promise<GatewaySettingView[]> {
  const settings = await db<{ gateway: string; mode: GatewayMode; updated_at: Date }[]>`
    select gateway, mode, updated_at from gateway_settings`;
  const creds = await db<{ gateway: string; name: string; hint: string | null; updated_at: Date }[]>`
    select gateway, name, hint, updated_at from gateway_credentials order by gateway, name`;
  return gatewayEntries(gateways).map(({ key, gateway }) => {
    const s = settings.find((r) => r.gateway === key);
    return {
      key,
      label: GATEWAY_LABELS[key] ?? key,
      implementation: gateway.name,
      mode: s?.mode ?? "sandbox",
      liveAvailable: LIVE_IMPLEMENTATIONS.has(key),
      canPing: typeof gateway.ping === "function",
      credentials: creds.filter((c) => c.gateway === key).map((c) => ({
        name: c.name,
        display: credentialDisplay(c.hint),
        updatedAt: c.updated_at,
      })),
      updatedAt: s?.updated_at ?? null,
    };
  });
}

/**
 * The decrypted credentials and mode of one gateway — for a real provider's constructor, never for a page.
 */
export async function readGatewayCredentials(
  db: Queryable,
  cipher: PiiCipher,
  gateway: string,
): Promise<{ mode: GatewayMode; credentials: Record<string, string> }> {
  const [s] = await db<{ mode: GatewayMode }[]>`select mode from gateway_settings where gateway = ${gateway}`;
  const rows = await db<{ name: string; value_enc: Uint8Array }[]>`
    select name, value_enc from gateway_credentials where gateway = ${gateway}`;
  const credentials: Record<string, string> = {};
  for (const r of rows) credentials[r.name] = await cipher.decrypt(r.value_enc);
  return { mode: s?.mode ?? "sandbox", credentials };
}

type Actor = { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null };

/** Outcome of the settings commands. */
export type GatewaySettingResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" | "unknown_gateway" | "live_unavailable" | "credential_limit" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

function known(gateways: object, key: string): boolean {
  return gatewayEntries(gateways).some((e) => e.key === key);
}

/**
 * 保存模式: set a gateway's mode. Needs `system.config`. Codes: `forbidden`, `unknown_gateway`,
 * `invalid_input` (not sandbox/live), `live_unavailable` (live without a real implementation). Audited as
 * `gateway.mode` (from, to); the same mode changes nothing.
 */
export async function setGatewayMode(
  db: Db,
  input: { gateways: object; gateway: string; mode: string },
  actor: Actor,
): Promise<GatewaySettingResult> {
  if (!can(actor.staff, "system.config")) return { ok: false, code: "forbidden" };
  if (!known(input.gateways, input.gateway)) return { ok: false, code: "unknown_gateway" };
  if (!(GATEWAY_MODES as readonly string[]).includes(input.mode)) {
    return { ok: false, code: "invalid_input", fields: { mode: ["请选择模式"] } };
  }
  const mode = input.mode as GatewayMode;
  if (mode === "live" && !LIVE_IMPLEMENTATIONS.has(input.gateway)) {
    return { ok: false, code: "live_unavailable" };
  }
  return await transaction(db, async (tx): Promise<GatewaySettingResult> => {
    await tx`insert into gateway_settings (gateway) values (${input.gateway}) on conflict do nothing`;
    const [row] = await tx<{ mode: GatewayMode }[]>`
      select mode from gateway_settings where gateway = ${input.gateway} for update`;
    if (row.mode === mode) return { ok: true, changed: false };
    await tx`
      update gateway_settings set mode = ${mode}, updated_at = now(), staff_id = ${actor.staff.id}
      where gateway = ${input.gateway}`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "gateway.mode",
      target: `gateway:${input.gateway}`,
      detail: { from: row.mode, to: mode },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}

/**
 * 保存凭据: set (or replace) one credential of a gateway; the value is encrypted and never shown again.
 * Needs `system.config`. Codes: `forbidden`, `unknown_gateway`, `invalid_input` (name: a letter then
 * letters, digits, `_ . -`, at most 64; value 1–{@link CREDENTIAL_VALUE_MAX_CHARS} characters),
 * `credential_limit`. Audited as `gateway.credential_set` with the name and whether it replaced one —
 * never the value.
 */
export async function setGatewayCredential(
  db: Db,
  input: { gateways: object; cipher: PiiCipher; gateway: string; name: string; value: string },
  actor: Actor,
): Promise<GatewaySettingResult> {
  if (!can(actor.staff, "system.config")) return { ok: false, code: "forbidden" };
  if (!known(input.gateways, input.gateway)) return { ok: false, code: "unknown_gateway" };
  const name = input.name.trim();
  const value = input.value.trim();
  const fields: Record<string, string[]> = {};
  if (!CREDENTIAL_NAME.test(name)) fields.name = ["名称须以字母开头，只含字母、数字和 _ . -，最多 64 个字符"];
  if (value.length === 0) fields.value = ["请输入凭据的值"];
  else if (value.length > CREDENTIAL_VALUE_MAX_CHARS) fields.value = ["凭据的值太长"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const valueEnc = await input.cipher.encrypt(value);
  const hint = value.length >= HINT_MIN_CHARS ? value.slice(-4) : null;
  return await transaction(db, async (tx): Promise<GatewaySettingResult> => {
    await tx`insert into gateway_settings (gateway) values (${input.gateway}) on conflict do nothing`;
    // the settings row serialises credential changes of one gateway (the limit below holds)
    await tx`select 1 from gateway_settings where gateway = ${input.gateway} for update`;
    const existing = await tx<{ name: string }[]>`
      select name from gateway_credentials where gateway = ${input.gateway}`;
    const replaced = existing.some((r) => r.name === name);
    if (!replaced && existing.length >= MAX_CREDENTIALS_PER_GATEWAY) {
      return { ok: false, code: "credential_limit" };
    }
    await tx`
      insert into gateway_credentials (gateway, name, value_enc, hint, staff_id)
      values (${input.gateway}, ${name}, ${valueEnc}, ${hint}, ${actor.staff.id})
      on conflict (gateway, name) do update
        set value_enc = excluded.value_enc, hint = excluded.hint, staff_id = excluded.staff_id, updated_at = now()`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "gateway.credential_set",
      target: `gateway:${input.gateway}`,
      detail: { name, replaced },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}

/**
 * 删除凭据: remove one credential. Needs `system.config`. Codes: `forbidden`, `unknown_gateway`. Audited
 * as `gateway.credential_remove`; a name that is not there changes nothing.
 */
export async function removeGatewayCredential(
  db: Db,
  input: { gateways: object; gateway: string; name: string },
  actor: Actor,
): Promise<GatewaySettingResult> {
  if (!can(actor.staff, "system.config")) return { ok: false, code: "forbidden" };
  if (!known(input.gateways, input.gateway)) return { ok: false, code: "unknown_gateway" };
  const name = input.name.trim().slice(0, 64);
  return await transaction(db, async (tx): Promise<GatewaySettingResult> => {
    const gone = await tx`
      delete from gateway_credentials where gateway = ${input.gateway} and name = ${name} returning name`;
    if (gone.length === 0) return { ok: true, changed: false };
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "gateway.credential_remove",
      target: `gateway:${input.gateway}`,
      detail: { name },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}

/** Outcome of {@link testGatewayConnection}. */
export type GatewayTestResult =
  | { ok: true; ping: GatewayPingResult }
  | { ok: false; code: "forbidden" | "unknown_gateway" | "no_ping" };

/**
 * 测试连接: call the running gateway's `ping()` (outside any transaction, at most
 * {@link PING_TIMEOUT_MS}), then audit `gateway.test` with the outcome. Needs `system.config`. Codes:
 * `forbidden`, `unknown_gateway`, `no_ping` (the gateway has no health check). A failing ping is an
 * `ok: true` answer whose `ping.ok` is false.
 */
export async function testGatewayConnection(
  db: Db,
  input: { gateways: object; gateway: string },
  actor: Actor,
): Promise<GatewayTestResult> {
  if (!can(actor.staff, "system.config")) return { ok: false, code: "forbidden" };
  const entry = gatewayEntries(input.gateways).find((e) => e.key === input.gateway);
  if (!entry) return { ok: false, code: "unknown_gateway" };
  const ping = entry.gateway.ping?.bind(entry.gateway);
  if (!ping) return { ok: false, code: "no_ping" };
  let outcome: GatewayPingResult;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    outcome = await Promise.race([
      ping(),
      new Promise<GatewayPingResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, code: "unavailable", message: "连接超时" }),
          PING_TIMEOUT_MS,
        );
      }),
    ]);
  } catch {
    outcome = { ok: false, code: "unavailable", message: "连接失败" };
  } finally {
    clearTimeout(timer);
  }
  await transaction(db, async (tx) => {
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "gateway.test",
      target: `gateway:${input.gateway}`,
      detail: { ok: outcome.ok, code: outcome.ok ? null : outcome.code },
      ip: actor.ip,
    });
  });
  return { ok: true, ping: outcome };
}
