/**
 * Application configuration, read once from the environment and validated with zod.
 *
 * Secrets have demo defaults so that `deno task start` works from a fresh clone; with
 * `APP_ENV=production` a missing secret or one still at its demo value refuses to start.
 */
import { z } from "zod";

/** Demo values of every secret. Production refuses to start while any secret equals one of these. */
export const DEMO_SECRETS = {
  CSRF_SECRET: "demo-csrf-secret-change-me-0123456789abcdef",
  PII_ENC_KEY: "ZGVtby1waWktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=",
  PII_HASH_KEY: "demo-pii-hash-key-change-me-0123456789abcdef",
} as const;

const secretSchema = z.string().min(32, "至少 32 个字符");

const envSchema = z.object({
  APP_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOSTNAME: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z.string().url().optional(),
  CSRF_SECRET: secretSchema.default(DEMO_SECRETS.CSRF_SECRET),
  PII_ENC_KEY: z.string().refine((v) => {
    try {
      return atob(v).length === 32;
    } catch {
      return false;
    }
  }, "必须是 32 字节密钥的 base64").default(DEMO_SECRETS.PII_ENC_KEY),
  PII_HASH_KEY: secretSchema.default(DEMO_SECRETS.PII_HASH_KEY),
  LOG_REQUESTS: z.enum(["0", "1"]).default("1"),
  PUBLIC_ORIGIN: z.string().url().optional(),
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
  csrfSecret: string;
  piiEncKeyBase64: string;
  piiHashKey: string;
  logRequests: boolean;
  /** The public origin (e.g. `https://p2p.example.com`) when a proxy terminates TLS in front of the app. */
  publicOrigin: string | undefined;
}

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
  return {
    env: v.APP_ENV,
    demo: !production,
    secureCookies: production,
    port: v.PORT,
    hostname: v.HOSTNAME,
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    csrfSecret: v.CSRF_SECRET,
    piiEncKeyBase64: v.PII_ENC_KEY,
    piiHashKey: v.PII_HASH_KEY,
    logRequests: v.LOG_REQUESTS === "1",
    publicOrigin: v.PUBLIC_ORIGIN ? new URL(v.PUBLIC_ORIGIN).origin : undefined,
  };
}
