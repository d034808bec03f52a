/**
 * Folder middleware for unmatched paths, per-folder `_404`/`_500` inside their folder's layouts, and the
 * `title` export / title reset on error pages. Fixture folders: `staff/` (middleware, layout that skips
 * the root layout, own `_404`/`_500`), `staff/reports/` (layout, no error pages), `docs/` (middleware
 * only: root error pages), `teams/[team]/` (dynamic folder with middleware).
 */
import assert from "node:assert/strict";
import { fixtureApp, get } from "./helpers.ts";

function titleOf(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

Deno.test("unmatched path under a folder runs that folder's middleware (outer → inner), then its _404", async () => {
  const { handle, errors } = await fixtureApp();
  for (const path of ["/staff/nope", "/staff/a/b/c", "/staff/reports/nope"]) {
    const r = await get(handle, path);
    assert.equal(r.res.status, 404, path);
    // both middlewares ran (the trail), outer → inner; the 404 passed the staff middleware as an error
    // (its `res.headers.set` after `await ctx.next()` did not run), then staff's boundary rendered the
    // page, which went out through the root middleware
    assert.match(r.text, /data-trail="root,staff"/, path);
    assert.equal(r.res.headers.get("x-staff-mw"), null, `${path}: staff middleware saw the error`);
    assert.equal(r.res.headers.get("x-root-mw"), "1", `${path}: root middleware saw the page`);
    // nearest _404 (staff's), inside the staff layout only (it skips the root layout), inside _app
    assert.match(r.text, /<body[^>]*><div class="staff-layout"><h1 class="staff-not-found">后台 404 /, path);
    assert.doesNotMatch(r.text, /root-layout|reports-layout|class="not-found"/, path);
  }
  // a sibling folder's middleware does not run
  const docs = await get(handle, "/docs/nope");
  assert.equal(docs.res.headers.get("x-staff-mw"), null);
  assert.match(docs.text, /data-trail="root,docs"/);
  // a path that only shares a name prefix with a folder is not in it
  const other = await get(handle, "/staffroom");
  assert.equal(other.res.status, 404);
  assert.equal(other.res.headers.get("x-staff-mw"), null);
  assert.match(other.text, /<div class="root-layout"><h1 class="not-found">页面不存在 \/staffroom/);
  assert.equal(errors.length, 0);
});

Deno.test("folder middleware decides for unmatched paths: redirect, ctx.render in the folder's layouts, throws", async () => {
  const { handle, errors } = await fixtureApp();
  const blocked = await handle("/staff/nope?block");
  assert.equal(blocked.status, 303);
  assert.equal(blocked.headers.get("location"), "/login?next=%2Fstaff%2Fnope");
  assert.equal(blocked.headers.get("x-root-mw"), "1", "the outer middleware wraps the short-circuit");

  const rendered = await get(handle, "/staff/nope?mw-render");
  assert.equal(rendered.res.status, 403);
  assert.match(
    rendered.text,
    /<body[^>]*><div class="staff-layout"><p class="staff-mw-render">guard says no/,
  );

  const denied = await get(handle, "/staff/nope?mw-deny");
  assert.equal(denied.res.status, 403);
  assert.match(denied.text, /<div class="staff-layout"><h1 class="staff-error">后台出错 status=403/);
  assert.equal(errors.length, 0);

  const thrown = await get(handle, "/staff/nope?mw-throw");
  assert.equal(thrown.res.status, 500);
  assert.match(thrown.text, /<div class="staff-layout"><h1 class="staff-error">后台出错 status=500/);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "staff middleware failed");
  // the same middleware errors on a matched route use the same pages
  const matched = await get(handle, "/staff?mw-throw");
  assert.equal(matched.res.status, 500);
  assert.match(matched.text, /class="staff-error">后台出错 status=500/);
});

Deno.test("dynamic folders: an unmatched path below /teams/:team runs its middleware with the param", async () => {
  const { handle } = await fixtureApp();
  const ok = await get(handle, "/teams/red/members");
  assert.equal(ok.res.headers.get("x-team"), "red");
  const miss = await get(handle, "/teams/%E7%BA%A2/nope/deeper");
  assert.equal(miss.res.status, 404);
  assert.match(miss.text, /data-trail="root,team:红"/);
  assert.match(miss.text, /class="not-found"/, "no _404 in teams/: the root one");
  // /teams itself is not inside /teams/:team
  const teams = await get(handle, "/teams");
  assert.equal(teams.res.status, 404);
  assert.equal(teams.res.headers.get("x-team"), null);
});

Deno.test("nested _404/_500 for matched routes: nearest wins, wrapped in the error page's own folder layouts", async () => {
  const { handle, errors } = await fixtureApp();
  const missing = await get(handle, "/staff/missing");
  assert.equal(missing.res.status, 404);
  assert.match(
    missing.text,
    /<body[^>]*><div class="staff-layout"><h1 class="staff-not-found">后台 404 \/staff\/missing/,
  );

  const fail = await get(handle, "/staff/fail");
  assert.equal(fail.res.status, 500);
  assert.match(fail.text, /<div class="staff-layout"><h1 class="staff-error">后台出错 status=500/);
  assert.equal((errors.at(-1) as Error).message, "staff boom");

  // staff/reports has no error pages: staff's are used, inside staff's layouts (not the reports layout)
  const daily = await get(handle, "/staff/reports/daily");
  assert.match(daily.text, /<div class="staff-layout"><section class="reports-layout"><p class="daily">/);
  const dailyFail = await get(handle, "/staff/reports/daily?fail");
  assert.equal(dailyFail.res.status, 500);
  assert.match(dailyFail.text, /<body[^>]*><div class="staff-layout"><h1 class="staff-error">/);
  assert.doesNotMatch(dailyFail.text, /reports-layout/);
});

Deno.test("root fallback: folders without error pages use routes/_404 and routes/_500 in the root layout", async () => {
  const { handle } = await fixtureApp();
  const docs = await get(handle, "/docs/nope");
  assert.equal(docs.res.status, 404);
  assert.match(docs.text, /data-trail="root,docs"/);
  assert.match(docs.text, /<div class="root-layout"><h1 class="not-found">页面不存在 \/docs\/nope/);
  const fail = await get(handle, "/fail");
  assert.equal(fail.res.status, 500);
  assert.match(fail.text, /<div class="root-layout"><h1 class="error-page">出错了 status=500/);
});

Deno.test("titles: a page's title export (string or function of props) sets state.title for _app", async () => {
  const { handle } = await fixtureApp();
  assert.equal(titleOf((await get(handle, "/staff")).text), "员工 小王 - fixture");
  assert.equal(titleOf((await get(handle, "/staff/reports/daily")).text), "日报 - fixture");
  assert.equal(titleOf((await get(handle, "/about")).text), "fixture", "no export: untouched");
});

Deno.test("titles: error pages drop the failed page's title; their own title export applies", async () => {
  const { handle } = await fixtureApp();
  // root _500 has no title export: the handler's 会失败的页面 must not leak, the default shows
  const fail = await get(handle, "/fail");
  assert.equal(titleOf(fail.text), "fixture");
  assert.doesNotMatch(fail.text, /会失败的页面/);
  // staff _500 exports a function of the error; staff _404 a string
  const staffFail = await get(handle, "/staff/fail");
  assert.equal(titleOf(staffFail.text), "后台出错 500 - fixture");
  assert.equal(titleOf((await get(handle, "/staff/nope?mw-deny")).text), "后台出错 403 - fixture");
  const staffMissing = await get(handle, "/staff/missing");
  assert.equal(titleOf(staffMissing.text), "后台页面不存在 - fixture");
  assert.doesNotMatch(staffMissing.text, /找不到的记录/);
  assert.equal(titleOf((await get(handle, "/staff/nope")).text), "后台页面不存在 - fixture");
});
