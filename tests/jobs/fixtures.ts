/** Shared fixtures of the jobs tests: config, KV, deps and users inserted straight into `users`. */
import { type Config, loadConfig } from "../../config.ts";
import type { Db } from "../../db/tx.ts";
import { createPiiCipher } from "../../domain/accounts/pii.ts";
import type { JobDeps } from "../../jobs/deps.ts";
import { createServices } from "../../main.ts";
import { randomPhone, testDbKind } from "../helpers/db.ts";

/** Test configuration (demo keys). */
export const testConfig: Config = loadConfig({ APP_ENV: "test" });

/**
 * Deps wired as in main.ts (PII cipher, sandbox gateways, an outbox that wakes the relay through the KV
 * queue) with a fresh in-memory KV store; close `deps.kv` at the end of the test.
 */
export async function makeDeps(sql: Db): Promise<JobDeps> {
  return createServices({ sql, kv: await Deno.openKv(":memory:"), config: testConfig, dbKind: testDbKind });
}

/** Runs `fn` with fresh {@link makeDeps}, closing their KV store whatever happens. */
export async function withDeps<T>(sql: Db, fn: (deps: JobDeps) => Promise<T>): Promise<T> {
  const deps = await makeDeps(sql);
  try {
    return await fn(deps);
  } finally {
    deps.kv.close();
  }
}

/** A user row with an encrypted phone (and e-mail, if given). */
export async function insertUser(
  sql: Db,
  options: { email?: string; displayName?: string; status?: "active" | "disabled" | "closed" } = {},
): Promise<{ id: string; phone: string; email: string | null }> {
  const cipher = createPiiCipher(testConfig);
  const phone = randomPhone();
  const emailEnc = options.email ? await cipher.encrypt(options.email) : null;
  const [row] = await sql<{ id: string }[]>`
    insert into users (kind, phone_enc, phone_hash, email_enc, display_name, status)
    values ('investor', ${await cipher.encrypt(phone)}, ${await cipher.hash(phone)}, ${emailEnc},
      ${options.displayName ?? null}, ${options.status ?? "active"})
    returning id`;
  return { id: row.id, phone, email: options.email ?? null };
}

/** Poll `check` every 25 ms until it returns a value other than null/undefined, or fail after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A unique suffix for names in the shared test database. */
export function uniq(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}
