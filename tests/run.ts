/**
 * `deno task test`: builds the islands and route manifest, then runs every test with `deno test`.
 *
 * With `DATABASE_URL` set, the run gets a fresh database on that server (created here, dropped after),
 * so tests never touch existing data. Extra arguments are passed to `deno test` (e.g. a folder).
 * Ends with a plain `N passed, N failed` line.
 */
import postgres from "postgres";

const deno = Deno.execPath();
const passThrough = Deno.args.length > 0 ? Deno.args : ["tests/"];

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(deno, { args, env, stdout: "piped", stderr: "inherit" }).spawn();
  const decoder = new TextDecoder();
  let out = "";
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    out += decoder.decode(chunk, { stream: true });
  }
  return { code: (await child.status).code, out };
}

const build = await run(["run", "-A", "framework/build.ts"]);
if (build.code !== 0) {
  console.error("build failed");
  Deno.exit(build.code);
}

const baseUrl = Deno.env.get("DATABASE_URL");
let dbName: string | null = null;
const env: Record<string, string> = { RUST_BACKTRACE: "0", APP_ENV: "test" };
if (baseUrl) {
  dbName = `p2p_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  env.DATABASE_URL = url.toString();
  console.log(`tests: real Postgres, fresh database ${dbName}`);
} else {
  console.log("tests: embedded PGlite (in memory)");
}

let result: { code: number; out: string };
try {
  result = await run(["test", "-A", "--permit-no-files", ...passThrough], env);
} finally {
  if (baseUrl && dbName) {
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

// deno test ends with e.g. "ok | 41 passed (3 steps) | 0 failed | 2 ignored (9s)".
// deno-lint-ignore no-control-regex
const plain = result.out.replace(/\x1b\[[0-9;]*m/g, "");
const summary = [...plain.matchAll(/^(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed/gm)].at(-1);
const passed = summary ? Number(summary[1]) : 0;
const failed = summary ? Number(summary[2]) : result.code === 0 ? 0 : 1;
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(result.code !== 0 ? result.code || 1 : failed > 0 ? 1 : 0);
