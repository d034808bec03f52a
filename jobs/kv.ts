/**
 * Opening Deno KV: a SQLite file in `DATA_DIR` for the app, `:memory:` in tests.
 */
import type { Config } from "../config.ts";

/** File name of the KV store inside `DATA_DIR`. */
export const KV_FILE_NAME = "kv.sqlite";

/** The KV path for a configuration: `DATA_DIR/kv.sqlite`. */
export function kvPath(config: Pick<Config, "dataDir">): string {
  return `${config.dataDir.replace(/\/+$/, "")}/${KV_FILE_NAME}`;
}

/**
 * Open Deno KV. Given the configuration, opens `DATA_DIR/kv.sqlite` (creating `DATA_DIR`); given a
 * string, opens that path as is (`":memory:"` for a throw-away store in tests).
 */
export async function openKv(target: Pick<Config, "dataDir"> | string): Promise<Deno.Kv> {
  if (typeof target === "string") return await Deno.openKv(target);
  await Deno.mkdir(target.dataDir, { recursive: true });
  return await Deno.openKv(kvPath(target));
}
