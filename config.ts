/**
 * Application configuration, read once from the environment and validated with zod.
 *
 * Secrets have demo defaults so that `deno task start` works from a fresh clone; with
 * `APP_ENV=production` a missing secret or one still at its demo value refuses to start.
 */
import { z } from "zod";
import { type Cidr, parseCidrList } from "./domain/shared/ip.ts";
import { parseOldPiiKeys, type PiiOldKey } from "./domain/accounts/pii.ts";

/** Demo values of every secret. Production refuses to start while any secret equals one of these. */
export const DEMO_SECRETS = {
  CSRF_SECRET: "demo-csrf-secret-change-me-0123456789abcdef",
  PII_ENC_KEY: "ZGVtby1waWktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=",
  PII_HASH_KEY: "demo-pii-hash-key-change-me-0123456789abcdef",
} as const;

/**
 * Default size of the app's Postgres pool: enough to keep a few cores' worth of transactions in flight
 * while others wait on the network; raise it (`DATABASE_POOL_MAX`) for many concurrent clients, within
 * the server's `max_connections` summed over every app instance.
 */
export const DEFAULT_DATABASE_POOL_MAX = 20;

const secretSchema = z.string().min(32, "至少 32 个字符");

/**
 * Demo values of the shared secrets that sign the custody bank's and the payment channels' callbacks
 * (HMAC-SHA256). With real providers, set them to the secrets agreed with each provider.
 */
export const DEMO_CALLBACK_SECRETS = {
  CUSTODY_CALLBACK_SECRET: "demo-custody-callback-secret-0123456789abcdef",
  PAYMENT_CALLBACK_SECRET: "demo-payment-callback-secret-0123456789abcdef",
} as const;

const envSchema = z.object({
  APP_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOSTNAME: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_OWNER_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1, "必须是 1–500").max(500, "必须是 1–500").default(
    DEFAULT_DATABASE_POOL_MAX,
  ),
  CSRF_SECRET: secretSchema.default(DEMO_SECRETS.CSRF_SECRET),
  PII_ENC_KEY: z.string().refine((v) => {
    try {
      return atob(v).length === 32;
    } catch {
      return false;
    }
  }, "必须是 32 字节密钥的 base64").default(DEMO_SECRETS.PII_ENC_KEY),
  PII_HASH_KEY: secretSchema.default(DEMO_SECRETS.PII_HASH_KEY),
  PII_ENC_KEY_VERSION: z.coerce.number().int().min(1, "必须是 1–255").max(255, "必须是 1–255").default(1),
  PII_ENC_KEYS_OLD: z.string().default("").transform((v, ctx) => {
    const keys = parseOldPiiKeys(v);
    if (Array.isArray(keys)) return keys;
    ctx.addIssue({ code: "custom", message: keys });
    return z.NEVER;
  }),
  LOG_REQUESTS: z.enum(["0", "1"]).default("1"),
  PUBLIC_ORIGIN: z.string().url().optional(),
  TRUSTED_PROXIES: z.string().default("").transform((v, ctx) => {
    const list = parseCidrList(v);
    if (Array.isArray(list)) return list;
    ctx.addIssue({ code: "custom", message: `不是 IP 地址或 CIDR 网段: ${list.invalid.join(", ")}` });
    return z.NEVER;
  }),
  ALLOW_SANDBOX_GATEWAYS: z.enum(["0", "1"]).default("0"),
  CUSTODY_CALLBACK_SECRET: secretSchema.default(DEMO_CALLBACK_SECRETS.CUSTODY_CALLBACK_SECRET),
  PAYMENT_CALLBACK_SECRET: secretSchema.default(DEMO_CALLBACK_SECRETS.PAYMENT_CALLBACK_SECRET),
  SANDBOX_CALLBACK_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(300),
});

/** The validated configuration. */
export interface Config {
  env: "development" | "production" | "test";
  /** Demo mode: demo data, the sandbox outbox page and the 演示环境 banner. Off in production. */
  demo: boolean;
  /** Cookies always `Secure` (production); otherwise relaxed on plain-http localhost only. */
  secureCookies: boolean;
  port: number;
  hostname: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /**
   * The migrator's connection (`DATABASE_OWNER_URL`): the role that owns the tables. Unset: migrations run
   * on `databaseUrl` (one role for both — the audit log is then not protected from the app's role).
   */
  databaseOwnerUrl: string | undefined;
  /**
   * The role the app's connection logs in as, which migrations grant the app's rights to (only INSERT and
   * SELECT on `audit_log`): the user of `DATABASE_URL` when `DATABASE_OWNER_URL` is set, else
   * {@link DEFAULT_DATABASE_APP_ROLE}.
   */
  databaseAppRole: string;
  /**
   * Connections of the app's pool to real Postgres (`DATABASE_POOL_MAX`, default
   * {@link DEFAULT_DATABASE_POOL_MAX}); the embedded PGlite always uses 1 (one client at a time).
   */
  databasePoolMax: number;
  csrfSecret: string;
  piiEncKeyBase64: string;
  /** Version of `piiEncKeyBase64` (`PII_ENC_KEY_VERSION`, default 1), written in front of new ciphertexts. */
  piiEncKeyVersion: number;
  /** Earlier encryption keys still read (`PII_ENC_KEYS_OLD` = `version:base64,…`), for key rotation. */
  piiEncKeysOld: readonly PiiOldKey[];
  piiHashKey: string;
  logRequests: boolean;
  /** The public origin (e.g. `https://p2p.example.com`) when a proxy terminates TLS in front of the app. */
  publicOrigin: string | undefined;
  /**
   * Reverse proxies (`TRUSTED_PROXIES`: IPs / CIDRs) whose `X-Forwarded-For` names the client; empty: the
   * TCP peer is the client and the header is ignored.
   */
  trustedProxies: readonly Cidr[];
  /**
   * Sandbox SMS/e-mail gateways may run in production (a person decided so, e.g. for a staging site).
   * Off by default: production refuses to start with sandboxes, which keep phone numbers and codes.
   */
  allowSandboxGateways: boolean;
  /** Shared secret of the custody bank's signed callbacks (`CUSTODY_CALLBACK_SECRET`). */
  custodyCallbackSecret: string;
  /** Shared secret of the payment channels' signed callbacks (`PAYMENT_CALLBACK_SECRET`). */
  paymentCallbackSecret: string;
  /** Sandbox bank and channels: delay before a callback is POSTed (`SANDBOX_CALLBACK_DELAY_MS`). */
  sandboxCallbackDelayMs: number;
}

/** Why production refuses to start while the SMS and e-mail gateways are sandboxes. */
export const SANDBOX_REFUSED_MESSAGE =
  "生产环境拒绝启动：短信和邮件网关仍为沙箱（会明文保存手机号和验证码）。" +
  "接入真实服务商，或在确认后设置 ALLOW_SANDBOX_GATEWAYS=1（仅限预发布环境）。";

/** Thrown when the environment is invalid; the message lists every problem. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Read and validate the configuration.
 *
 * @throws {ConfigError} when a variable is malformed, or in production when a secret is missing or
 *   still at its demo value.
 */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`配置无效:\n${lines.join("\n")}`);
  }
  const v = parsed.data;
  const production = v.APP_ENV === "production";
  if (production) {
    const bad = (Object.keys(DEMO_SECRETS) as (keyof typeof DEMO_SECRETS)[])
      .filter((k) => !raw[k] || raw[k] === DEMO_SECRETS[k]);
    if (bad.length > 0) {
      throw new ConfigError(
        `生产环境拒绝启动：以下密钥缺失或仍为演示值: ${bad.join(", ")}。` +
          `用 \`openssl rand -base64 32\` 生成后通过环境变量设置。`,
      );
    }
  }
  const roles = databaseRoles(v.DATABASE_URL, v.DATABASE_OWNER_URL, production);
  if (typeof roles === "string") throw new ConfigError(roles);
  if (production && v.ALLOW_SANDBOX_GATEWAYS !== "1") {
    throw new ConfigError(SANDBOX_REFUSED_MESSAGE);
  }
  return {
    env: v.APP_ENV,
    demo: !production,
    secureCookies: production,
    port: v.PORT,
    hostname: v.HOSTNAME,
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    databaseOwnerUrl: v.DATABASE_OWNER_URL,
    databaseAppRole: roles.appRole,
    databasePoolMax: v.DATABASE_URL ? v.DATABASE_POOL_MAX : 1,
    csrfSecret: v.CSRF_SECRET,
    piiEncKeyBase64: v.PII_ENC_KEY,
    piiEncKeyVersion: v.PII_ENC_KEY_VERSION,
    piiEncKeysOld: v.PII_ENC_KEYS_OLD,
    piiHashKey: v.PII_HASH_KEY,
    logRequests: v.LOG_REQUESTS === "1",
    publicOrigin: v.PUBLIC_ORIGIN ? new URL(v.PUBLIC_ORIGIN).origin : undefined,
    trustedProxies: v.TRUSTED_PROXIES,
    allowSandboxGateways: v.ALLOW_SANDBOX_GATEWAYS === "1",
    custodyCallbackSecret: v.CUSTODY_CALLBACK_SECRET,
    paymentCallbackSecret: v.PAYMENT_CALLBACK_SECRET,
    sandboxCallbackDelayMs: v.SANDBOX_CALLBACK_DELAY_MS,
  };
}

/** The app's database role when `DATABASE_OWNER_URL` is unset (created and granted by migration 0004). */
export const DEFAULT_DATABASE_APP_ROLE = "p2p_app";

/**
 * The database roles of `DATABASE_URL` (the app) and `DATABASE_OWNER_URL` (the migrator): the app's role
 * name, or why the pair is refused. Both must name their user, differ in it, and point at the same
 * database; production on real Postgres needs both (the app must not own the audit log).
 */
function databaseRoles(
  appUrl: string | undefined,
  ownerUrl: string | undefined,
  production: boolean,
): { appRole: string } | string {
  if (!ownerUrl) {
    if (production && appUrl) {
      return "生产环境拒绝启动：使用 DATABASE_URL 时必须同时设置 DATABASE_OWNER_URL（执行迁移的表所有者），" +
        "应用以只能追加、不能改删操作日志的角色连接（见 README「数据库角色」）。";
    }
    return { appRole: DEFAULT_DATABASE_APP_ROLE };
  }
  if (!appUrl) return "配置无效:\nDATABASE_OWNER_URL: 需要同时设置 DATABASE_URL（应用的连接）";
  const app = new URL(appUrl);
  const owner = new URL(ownerUrl);
  const appRole = decodeURIComponent(app.username);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(appRole)) {
    return "配置无效:\nDATABASE_URL: 必须写明应用的数据库用户（小写字母、数字、下划线），例如 postgres://p2p_app:密码@主机/库名";
  }
  if (!owner.username || decodeURIComponent(owner.username) === appRole) {
    return "配置无效:\nDATABASE_OWNER_URL: 必须写明与 DATABASE_URL 不同的数据库用户（表的所有者）";
  }
  if (owner.hostname !== app.hostname || owner.port !== app.port || owner.pathname !== app.pathname) {
    return "配置无效:\nDATABASE_OWNER_URL: 必须指向与 DATABASE_URL 相同的服务器和数据库";
  }
  return { appRole };
}
