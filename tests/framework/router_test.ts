import assert from "node:assert/strict";
import {
  comparePatterns,
  compilePattern,
  fileToPattern,
  PatternTable,
  PrefixTable,
} from "../../framework/router.ts";

Deno.test("fileToPattern: index, params, rest, groups", () => {
  assert.equal(fileToPattern("index"), "/");
  assert.equal(fileToPattern("about"), "/about");
  assert.equal(fileToPattern("loans/index"), "/loans");
  assert.equal(fileToPattern("loans/[id]"), "/loans/:id");
  assert.equal(fileToPattern("loans/[...rest]"), "/loans/:rest*");
  assert.equal(fileToPattern("(marketing)/pricing"), "/pricing");
  assert.equal(fileToPattern("(a)/(b)/x/[id]/edit"), "/x/:id/edit");
  assert.equal(fileToPattern(""), "/");
});

Deno.test("comparePatterns: static beats param beats rest", () => {
  const sorted = ["/loans/:rest*", "/loans/:id", "/loans/new", "/:slug", "/"].sort(comparePatterns);
  assert.deepEqual(sorted, ["/", "/loans/new", "/loans/:id", "/loans/:rest*", "/:slug"]);
  assert.ok(comparePatterns("/a/:id/edit", "/a/:rest*") < 0);
});

Deno.test("compilePattern: decodes params, rejects malformed escapes", () => {
  const p = compilePattern("/loans/:id");
  assert.deepEqual(p.match("/loans/%E4%B8%AD"), { id: "中" });
  assert.equal(p.match("/loans/%E4"), null);
  assert.equal(p.match("/loans"), null);
  assert.equal(p.match("/loans/1/2"), null);
  const rest = compilePattern("/files/:path*");
  assert.deepEqual(rest.match("/files/a/b/c"), { path: "a/b/c" });
  assert.deepEqual(rest.match("/files"), { path: "" });
  assert.deepEqual(compilePattern("/").match("/"), {});
  assert.equal(compilePattern("/").match("/x"), null);
  assert.equal(compilePattern("/about").match("/about/x"), null);
});

Deno.test("PatternTable: priority independent of insertion order", () => {
  const table = new PatternTable<string>([
    ["/loans/:rest*", "rest"],
    ["/loans/:id", "param"],
    ["/loans/new", "static"],
    ["/", "home"],
  ]);
  assert.equal(table.match("/loans/new")?.value, "static");
  assert.equal(table.match("/loans/7")?.value, "param");
  assert.deepEqual(table.match("/loans/7")?.params, { id: "7" });
  assert.equal(table.match("/loans/7/history")?.value, "rest");
  assert.equal(table.match("/")?.value, "home");
  assert.equal(table.match("/other"), null);
});

Deno.test("PrefixTable: deepest folder prefix; static beats dynamic at equal depth; params decoded", () => {
  const t = new PrefixTable<string>([
    ["/", "root"],
    ["/admin", "admin"],
    ["/admin/users", "users"],
    ["/teams/:team", "team"],
    ["/teams/mine", "mine"],
    ["/docs/:slug*", "docs"],
  ]);
  const at = (p: string) => {
    const m = t.match(p);
    return m && [m.value, m.params];
  };
  assert.deepEqual(at("/"), ["root", {}]);
  assert.deepEqual(at("/nope"), ["root", {}]);
  assert.deepEqual(at("/admin"), ["admin", {}]);
  assert.deepEqual(at("/admin/"), ["admin", {}]);
  assert.deepEqual(at("/admin/nope/x"), ["admin", {}]);
  assert.deepEqual(at("/admin/users/9"), ["users", {}]);
  assert.deepEqual(at("/administrator"), ["root", {}]);
  assert.deepEqual(at("/teams"), ["root", {}]);
  assert.deepEqual(at("/teams/red/x"), ["team", { team: "red" }]);
  assert.deepEqual(at("/teams/%E7%BA%A2"), ["team", { team: "红" }]);
  assert.deepEqual(at("/teams/mine/x"), ["mine", {}]);
  assert.deepEqual(at("/teams/%E0%A4%A/x"), ["root", {}], "malformed escape: not that folder");
  assert.deepEqual(at("/docs/a/b"), ["docs", { slug: "a/b" }]);
  assert.equal(new PrefixTable([["/a", 1]]).match("/b"), null);
});
