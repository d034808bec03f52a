/**
 * The rules of the house (DESIGN.md §3–§4), checked on the source — no database:
 * - routes never open a transaction (`.begin(`, `transaction(`, importing `transaction`) nor import a
 *   sandbox (`integrations/`);
 * - outside `db/`, production code never calls `.begin(`;
 * - an island's bundle never reaches `db/`, `integrations/`, `jobs/`, `main.ts` or `config.ts`;
 * - `domain/` never imports `routes/`, `islands/`, `framework/`, `components/` or `utils.ts`;
 * - no `::int` cast on a count or a sum (they are exact int8, `bigint` in the code).
 *
 * The first half shows that every check fails on a fixture that breaks its rule (and stays quiet on the
 * look-alikes that do not); the second half applies the checks to this tree and prints each finding as
 * `file:line: [rule] message`. The checks live in `tests/helpers/architecture.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  checkIslandBundles,
  checkSources,
  findImports,
  formatViolation,
  maskSource,
  readProjectSources,
  type RuleName,
  type Violation,
} from "./helpers/architecture.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Findings the tree is allowed to have for now, each with the reason and who fixes it. A listed finding is
 * printed as a warning instead of failing; an entry that no longer matches anything is reported so it can
 * be deleted. Keep this empty whenever possible.
 */
const KNOWN_VIOLATIONS: { rule: RuleName; file: string; todo: string }[] = [
  // TODO(lead): e.g. { rule: "routes-no-integrations", file: "routes/register.tsx", todo: "gateway via state" }
];

/** Short form of findings for assertions: `file:line rule`. */
function brief(found: Violation[]): string[] {
  return found.map((v) => `${v.file}:${v.line} ${v.rule}`);
}

// ---------------------------------------------------------------------------------------------------------
// The lexer and the import reader

Deno.test("maskSource blanks comments (and string contents when asked), keeping offsets and lines", () => {
  const src = [
    `const a = "x // not a comment"; // a comment with transaction(`,
    `/* block`,
    `   .begin( */ const b = \`t \${c /* in code */ + "s"} u\`;`,
    `const re = /["'\`]\\/\\/x/g; const d = 'q';`,
  ].join("\n");
  const masked = maskSource(src);
  assert.equal(masked.length, src.length);
  assert.equal(masked.split("\n").length, 4);
  assert.ok(masked.includes(`"x // not a comment"`), "strings are kept");
  assert.ok(!masked.includes("transaction("), "line comments are blanked");
  assert.ok(!masked.includes(".begin("), "block comments are blanked");
  assert.ok(!masked.includes("in code"), "comments inside ${} are blanked");
  assert.ok(masked.includes(`const d = 'q';`), "a regex literal with quotes does not start a string");
  const noStrings = maskSource(src, { strings: true });
  assert.ok(!noStrings.includes("not a comment"));
  assert.ok(noStrings.includes("${c"), "template expressions stay code");
  assert.ok(!noStrings.includes(`"s"`) && noStrings.includes(`" "`), "strings inside ${} are blanked too");
});

Deno.test("findImports reads every kind of import with its line", () => {
  const src = [
    `// import { nope } from "../commented.ts";`,
    `import assert from "node:assert/strict";`,
    `import {`,
    `  type Tx,`,
    `  transaction as tx,`,
    `} from "../db/tx.ts";`,
    `import type { Db } from "../db/tx.ts";`,
    `import * as all from "./all.ts";`,
    `import "./side_effect.ts";`,
    `export { x } from "./re.ts";`,
    `export type { Y } from "./types.ts";`,
    `const lazy = await import("./lazy.ts");`,
    `import { type OnlyType } from "./only_types.ts";`,
  ].join("\n");
  assert.deepEqual(
    findImports(src).map((r) => [r.line, r.specifier, r.names.join(","), r.typeOnly]),
    [
      [2, "node:assert/strict", "default", false],
      [3, "../db/tx.ts", "Tx,transaction", false],
      [7, "../db/tx.ts", "Db", true],
      [8, "./all.ts", "*", false],
      [9, "./side_effect.ts", "*", false],
      [10, "./re.ts", "x", false],
      [11, "./types.ts", "Y", true],
      [12, "./lazy.ts", "*", false],
      [13, "./only_types.ts", "OnlyType", true],
    ],
  );
});

// ---------------------------------------------------------------------------------------------------------
// Each rule fails on a fixture that breaks it

Deno.test("routes-no-transaction: .begin(, transaction( and importing transaction are caught", () => {
  const found = checkSources({
    "routes/a.tsx": [
      `import { transaction } from "../db/tx.ts";`,
      `export const handler = async (ctx) => {`,
      `  await transaction(ctx.state.sql, async (tx) => {});`,
      `  await ctx.state.sql.begin(async (sql) => {});`,
      `};`,
    ].join("\n"),
    "routes/admin/b.ts": `import * as db from "../../db/tx.ts";\n`,
    // Look-alikes that are fine: a type import, prose, a string, a command.
    "routes/ok.tsx": [
      `import type { Tx } from "../db/tx.ts";`,
      `// a route never calls transaction( nor .begin( itself`,
      `const text = "transaction( .begin(";`,
      `await registerUser(ctx.state.sql, input);`,
    ].join("\n"),
  });
  assert.deepEqual(brief(found), [
    "routes/a.tsx:1 routes-no-transaction",
    "routes/a.tsx:3 routes-no-transaction",
    "routes/a.tsx:4 routes-no-transaction",
    "routes/a.tsx:4 begin-only-in-db",
    "routes/admin/b.ts:1 routes-no-transaction",
  ]);
  assert.match(formatViolation(found[0]), /^routes\/a\.tsx:1: \[routes-no-transaction\] .*db\/tx\.ts/);
});

Deno.test("routes-no-integrations: any import of integrations/ from a route is caught", () => {
  const found = checkSources({
    "routes/register.tsx": `import { SandboxSms } from "../integrations/sandbox_sms.ts";\n`,
    "routes/api/sms_code.ts": `\nimport type { Sms } from "../../integrations/sms.ts";\n`,
    "routes/fine.tsx": `import type { SmsGateway } from "../domain/gateways/sms.ts";\n`,
    "main.ts": `import { SandboxSms } from "./integrations/sandbox_sms.ts";\n`, // main.ts builds gateways
  });
  assert.deepEqual(brief(found), [
    "routes/api/sms_code.ts:2 routes-no-integrations",
    "routes/register.tsx:1 routes-no-integrations",
  ]);
  assert.match(formatViolation(found[1]), /routes\/register\.tsx:1: .*integrations\/sandbox_sms\.ts/);
});

Deno.test("begin-only-in-db: .begin( outside db/ in production code is caught", () => {
  const found = checkSources({
    "domain/lending/place_bid.ts":
      `export async function f(sql) {\n  return await sql.begin((tx) => tx\`select 1\`);\n}`,
    "jobs/x.ts": `await deps.sql . begin (async () => {});`,
    "db/tx.ts": `result = await db.begin(async (tx) => fn(tx));`,
    "db/migrate.ts": `await conn.begin(() => {});`,
    "tests/db/connection_test.ts": `await sql.begin(async (tx) => {});`,
  });
  assert.deepEqual(brief(found), [
    "domain/lending/place_bid.ts:2 begin-only-in-db",
    "jobs/x.ts:1 begin-only-in-db",
  ]);
});

Deno.test("domain-no-web-layer: domain/ importing routes, islands, framework, components or utils is caught", () => {
  const found = checkSources({
    "domain/a/x.ts": [
      `import { define } from "../../utils.ts";`,
      `import { page } from "../../framework/mod.ts";`,
      `import type { Props } from "../../components/Thing.tsx";`,
      `import Calc from "../../islands/Calculator.tsx";`,
      `export { handler } from "../../routes/index.tsx";`,
      `import type { Db } from "../../db/tx.ts";`,
      `import { formatFen } from "../money/format.ts";`,
      `import { z } from "zod";`,
    ].join("\n"),
    "routes/ok.tsx": `import { define } from "../utils.ts";`,
  });
  assert.deepEqual(brief(found), [1, 2, 3, 4, 5].map((line) => `domain/a/x.ts:${line} domain-no-web-layer`));
});

Deno.test("no-int-cast-on-counts: casts of counts and sums are caught, parameter casts are not", () => {
  const src = [
    "const a = await sql`select count(*)::int as n from users`;",
    "const b = await sql`select count(*) filter (where kind = 'investor')::int as i from users`;",
    "const c = await sql`select (select count(*) from users)::integer as n`;",
    "const d = await sql`select sum(amount_fen)::int4 as total from t`;",
    "const e = await sql`select coalesce(sum(x), 0)::int as s from t`;",
    "const f = await sql`select generate_series(1, ${n}::int) as i`;",
    "const g = await sql`select ${days - 1}::integer as d, 5::integer as five, count(*) as n from t`;",
    "const h = await sql`select sum(amount_fen)::bigint as total from t`;",
    "// select count(*)::int in a comment is prose",
  ].join("\n");
  const found = checkSources({ "domain/x.ts": src, "tests/y_test.ts": src });
  const lines = [1, 2, 3, 4, 5];
  assert.deepEqual(brief(found), [
    ...lines.map((l) => `domain/x.ts:${l} no-int-cast-on-counts`),
    ...lines.map((l) => `tests/y_test.ts:${l} no-int-cast-on-counts`),
  ]);
  assert.match(
    formatViolation(found[1]),
    /domain\/x\.ts:2: .*count\(\*\) filter \(where kind = 'investor'\)::int/,
  );
});

Deno.test({
  name: "islands-server-free: a bundle that reaches db/ or jobs/ is caught, with the import chain",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "arch_islands_" });
    try {
      const write = async (path: string, text: string) => {
        await Deno.mkdir(join(dir, path, ".."), { recursive: true });
        await Deno.writeTextFile(join(dir, path), text);
      };
      await write("db/tx.ts", `export const transaction = () => 1;\nexport type Db = { q: 1 };\n`);
      await write("config.ts", `export type Config = { a: 1 };\nexport const loadConfig = () => ({});\n`);
      await write("jobs/cron.ts", `export const shanghaiDay = () => "2026-01-01";\n`);
      await write(
        "domain/pure.ts",
        `import type { Db } from "../db/tx.ts";\nimport type { Config } from "../config.ts";\n` +
          `export const twice = (n: number, _db?: Db, _c?: Config) => n * 2;\n`,
      );
      await write(
        "domain/impure.ts",
        `\nimport { transaction } from "../db/tx.ts";\nexport const t = transaction;\n`,
      );
      await write(
        "islands/Good.tsx",
        `import { twice } from "../domain/pure.ts";\nexport default () => <p>{twice(2)}</p>;\n`,
      );
      await write(
        "islands/Bad.tsx",
        `import { useState } from "preact/hooks";\nimport { t } from "../domain/impure.ts";\n` +
          `export default () => <p>{t()}{String(useState)}</p>;\n`,
      );
      await write(
        "islands/Jobs.tsx",
        `import { shanghaiDay } from "../jobs/cron.ts";\nexport default () => shanghaiDay();\n`,
      );
      const found = await checkIslandBundles(dir);
      assert.deepEqual(brief(found), [
        "islands/Bad.tsx:2 islands-server-free",
        "islands/Jobs.tsx:1 islands-server-free",
      ]);
      assert.equal(
        formatViolation(found[0]),
        `islands/Bad.tsx:2: [islands-server-free] the island's bundle reaches server-only db/tx.ts: ` +
          `islands/Bad.tsx:2 imports "../domain/impure.ts" → domain/impure.ts:2 imports "../db/tx.ts"`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---------------------------------------------------------------------------------------------------------
// This tree

/** Fails with every finding of `rules` (known ones excepted, and printed), one `file:line` per line. */
function assertNoViolations(found: Violation[], rules: readonly RuleName[]): void {
  const relevant = found.filter((v) => rules.includes(v.rule));
  const isKnown = (v: Violation) => KNOWN_VIOLATIONS.some((k) => k.rule === v.rule && k.file === v.file);
  for (const v of relevant.filter(isKnown)) console.warn(`known (TODO): ${formatViolation(v)}`);
  for (const k of KNOWN_VIOLATIONS.filter((k) => rules.includes(k.rule))) {
    if (!relevant.some((v) => v.rule === k.rule && v.file === k.file)) {
      console.warn(`KNOWN_VIOLATIONS entry no longer needed: ${k.rule} ${k.file} — delete it`);
    }
  }
  const open = relevant.filter((v) => !isKnown(v));
  assert.ok(open.length === 0, `\n${open.map(formatViolation).join("\n")}\n`);
}

let sources: Promise<Record<string, string>> | null = null;
const treeFindings = async () => checkSources(await (sources ??= readProjectSources(ROOT)));

Deno.test("this tree: routes open no transaction and import no sandbox", async () => {
  assertNoViolations(await treeFindings(), ["routes-no-transaction", "routes-no-integrations"]);
});

Deno.test("this tree: only db/ calls .begin(", async () => {
  assertNoViolations(await treeFindings(), ["begin-only-in-db"]);
});

Deno.test("this tree: domain/ does not import the web layer", async () => {
  assertNoViolations(await treeFindings(), ["domain-no-web-layer"]);
});

Deno.test("this tree: no count or sum is cast to int", async () => {
  assertNoViolations(await treeFindings(), ["no-int-cast-on-counts"]);
});

Deno.test({
  name: "this tree: no island's bundle reaches db/, integrations/, jobs/, main.ts or config.ts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const found = await checkIslandBundles(ROOT);
    assertNoViolations(found, ["islands-server-free"]);
  },
});
