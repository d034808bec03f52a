/**
 * The layer takes its configuration from the caller: `new App({ ...freshConfig })`, and the build's
 * `--config <file>` (else `./fresh.config.ts` when present). Nothing in `framework/` imports the app's
 * `fresh.config.ts`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configFromArgs, resolveBuildDir } from "../../framework/config.ts";
import { App } from "../../framework/mod.ts";

const FRAMEWORK = fileURLToPath(new URL("../../framework/", import.meta.url));

Deno.test("framework/ never imports the application's fresh.config.ts", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (
        /\.tsx?$/.test(e.name) && /from\s+["'][^"']*fresh\.config\.ts["']/.test(await Deno.readTextFile(p))
      ) {
        offenders.push(p);
      }
    }
  };
  await walk(FRAMEWORK);
  assert.deepEqual(offenders, []);
});

Deno.test("configFromArgs: --config <file>, --config=<file>, ./fresh.config.ts, else the defaults", async () => {
  const dir = await Deno.makeTempDir({ prefix: "frsh-config-" });
  try {
    await Deno.writeTextFile(
      join(dir, "other.config.ts"),
      `export default { buildDir: "out", port: 9001 };\n`,
    );
    assert.deepEqual(await configFromArgs(["--config", "other.config.ts"], dir), {
      buildDir: "out",
      port: 9001,
    });
    assert.deepEqual(await configFromArgs(["--dev", "--config=other.config.ts"], dir), {
      buildDir: "out",
      port: 9001,
    });
    assert.deepEqual(await configFromArgs([], dir), {}, "no file: defaults");
    await Deno.writeTextFile(join(dir, "fresh.config.ts"), `export default { islandStylesheet: false };\n`);
    assert.deepEqual(await configFromArgs([], dir), { islandStylesheet: false });
    await Deno.writeTextFile(join(dir, "bad.config.ts"), `export default 42;\n`);
    await assert.rejects(configFromArgs(["--config", "bad.config.ts"], dir), /default export/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("new App({ ...config }): buildDir relative to root, listen defaults from the config", async () => {
  const app = new App({ root: "/srv/site", buildDir: "out", port: 0, hostname: "127.0.0.1" });
  assert.equal(app.config.buildDir, "/srv/site/out");
  assert.equal(app.config.root, "/srv/site");
  assert.equal(app.config.mode, app.config.dev ? "development" : "production");
  assert.equal(resolveBuildDir("/srv/site", "/abs/build"), "/abs/build");
  assert.equal(new App({ root: "/srv/site" }).config.buildDir, "/srv/site/_build");
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = app.get("/", () => new Response("ok")).listen({ onListen: resolve });
  const addr = await promise;
  assert.equal(addr.hostname, "127.0.0.1");
  assert.equal(await (await fetch(`http://127.0.0.1:${addr.port}/`)).text(), "ok");
  await server.shutdown();
});
