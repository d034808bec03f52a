/**
 * The investor's account centre through the whole app: 风险测评, 风险揭示书, 个人资料 (nickname, avatar
 * upload and serving), 邀请好友, 资产总览 and 交易记录 (filters, paging, CSV), and the staff pages
 * 风险等级 and 邀请奖励 — including bad input (422, nothing changed) and hostile uploads.
 */
import assert from "node:assert/strict";
import { transaction } from "../../db/tx.ts";
import { postEntry } from "../../domain/ledger/ledger.ts";
import { AVATAR_MAX_BYTES, AVATAR_UPLOAD_BODY_MAX_BYTES, getAvatar } from "../../domain/accounts/profile.ts";
import { onInviteeMilestone } from "../../domain/investor/referral.ts";
import { latestAssessment } from "../../domain/investor/risk_assessment.ts";
import { hasConfirmedRiskDisclosure } from "../../domain/investor/risk_disclosure.ts";
import { QUESTIONS } from "../../domain/investor/risk_questionnaire.ts";
import {
  appTest,
  BANNED_PROMISES,
  BASE,
  Client,
  createUser,
  latestSmsCode,
  mainOf,
  TEST_PASSWORD,
} from "../helpers/forms.ts";
import { testOutbox } from "../helpers/outbox.ts";
import { BOLD_ANSWERS, JPEG, PNG } from "../domain/investor/helpers.ts";
import type { TestApp } from "../helpers/app.ts";

async function signedIn(app: TestApp, kind: "investor" | "borrower" = "investor") {
  const user = await createUser(app.sql, kind);
  const c = new Client(app);
  let res = await c.login(user.phone, TEST_PASSWORD);
  assert.equal(res.status, 303, res.html.slice(0, 300));
  if (res.headers.get("location") === "/login/device") {
    // a new device: confirm it with the SMS code, as the user would
    await c.get("/login/device");
    res = await c.post("/login/device", {
      intent: "confirm",
      smsCode: await latestSmsCode(app.sql, user.phone),
    });
    assert.equal(res.status, 303, res.html.slice(0, 300));
  }
  return { c, ...user };
}

/** POST a multipart form with one file field `avatar`. */
function upload(c: Client, bytes: Uint8Array, name: string, type: string, intent = "upload") {
  const form = new FormData();
  form.set("_csrf", c.csrf);
  form.set("intent", intent);
  form.set("avatar", new File([bytes as Uint8Array<ArrayBuffer>], name, { type }));
  return c.send("/account/profile/avatar", { method: "POST", headers: { origin: BASE }, body: form });
}

/** Credit a user's available balance through the ledger (a test top-up). */
async function topUp(app: TestApp, userId: string, fen: bigint) {
  await transaction(app.sql, async (tx) => {
    const r = await postEntry(tx, {
      businessType: "top_up",
      reference: `test:${crypto.randomUUID()}`,
      idempotencyKey: `test:${crypto.randomUUID()}`,
      lines: [
        { account: { kind: "custody_clearing" }, amountFen: -fen },
        { account: { kind: "user_available", userId }, amountFen: fen },
      ],
    });
    assert.ok(r.ok);
  });
}

appTest("the investor pages need a log-in", async (app) => {
  for (
    const path of [
      "/account/risk-assessment",
      "/account/risk-disclosure",
      "/account/profile",
      "/account/invite",
      "/account/records",
      "/account/avatar",
    ]
  ) {
    const res = await app.handle(new Request(BASE + path));
    assert.equal(res.status, 303, path);
    assert.match(res.headers.get("location") ?? "", /^\/login\?next=/);
  }
});

appTest(
  "风险测评: a missing answer → 422 with the message at the question, nothing stored; then C5 with expiry",
  async (app) => {
    const { c, userId } = await signedIn(app);
    const page = await c.get("/account/risk-assessment");
    assert.equal(page.status, 200);
    assert.match(page.html, /您尚未完成风险测评/);
    for (const q of QUESTIONS) assert.ok(page.html.includes(`name="${q.id}"`), q.id);

    const partial = { ...BOLD_ANSWERS };
    delete partial.age;
    delete partial.horizon;
    const bad = await c.post("/account/risk-assessment", partial);
    assert.equal(bad.status, 422);
    assert.match(bad.html, /id="q-age-error"[^>]*>请回答此题</);
    assert.match(bad.html, /id="q-horizon-error"[^>]*>请回答此题</);
    assert.ok(bad.html.includes(`value="${BOLD_ANSWERS.income}" checked`), "answers are kept");
    assert.equal(await latestAssessment(app.sql, userId), null);

    const ok = await c.post("/account/risk-assessment", BOLD_ANSWERS);
    assert.equal(ok.status, 303);
    const done = await c.get("/account/risk-assessment?done=1");
    assert.match(done.html, /进取型（C5）/);
    assert.match(done.html, /有效期至/);
    assert.match(done.html, /重新测评/);
    for (const word of BANNED_PROMISES) assert.ok(!mainOf(done.html).includes(word), word);

    // expired → the page says so and shows the questionnaire again
    await app.sql`update risk_assessments set assessed_at = now() - interval '13 months',
    expires_at = now() - interval '1 month' where user_id = ${userId}`;
    const expired = await c.get("/account/risk-assessment");
    assert.match(expired.html, /已过期/);
    assert.match(expired.html, /id="questionnaire"/);
  },
);

appTest("风险测评 is for investors: a borrower is told so", async (app) => {
  const { c } = await signedIn(app, "borrower");
  const page = await c.get("/account/risk-assessment");
  assert.match(page.html, /仅适用于出借人/);
  const post = await c.post("/account/risk-assessment", BOLD_ANSWERS);
  assert.equal(post.status, 403);
});

appTest(
  "风险揭示书: not ticked → 422 and nothing stored; confirmed once with version and time",
  async (app) => {
    const { c, userId } = await signedIn(app);
    const page = await c.get("/account/risk-disclosure");
    assert.match(page.html, /市场有风险，出借需谨慎/);
    for (const word of BANNED_PROMISES) assert.ok(!mainOf(page.html).includes(word), word);
    const version = /name="version" value="([^"]+)"/.exec(page.html)![1];
    const bad = await c.post("/account/risk-disclosure", { version });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /id="f-confirm-error"/);
    assert.equal(await hasConfirmedRiskDisclosure(app.sql, userId), false);
    const stale = await c.post("/account/risk-disclosure", { version: "1999-01-01", confirm: "on" });
    assert.equal(stale.status, 422);
    assert.equal(await hasConfirmedRiskDisclosure(app.sql, userId), false);
    const ok = await c.post("/account/risk-disclosure", { version, confirm: "on" });
    assert.equal(ok.status, 303);
    assert.equal(await hasConfirmedRiskDisclosure(app.sql, userId), true);
    const after = await c.get("/account/risk-disclosure");
    assert.match(after.html, /data-field="accepted"/);
    assert.ok(!after.html.includes('name="confirm"'));
  },
);

appTest("个人资料: a bad nickname → 422 next to the field, a good one is saved", async (app) => {
  const { c } = await signedIn(app);
  await c.get("/account/profile");
  const bad = await c.post("/account/profile", { nickname: "<script>" });
  assert.equal(bad.status, 422);
  assert.match(bad.html, /id="f-nickname-error"[^>]*>昵称只能包含/);
  assert.match(bad.html, /name="nickname" type="text" value="&lt;script>"/);
  const ok = await c.post("/account/profile", { nickname: "稳健的小王" });
  assert.equal(ok.status, 303);
  const page = await c.get("/account/profile?done=nickname");
  assert.match(page.html, /昵称已保存/);
  assert.ok(page.html.includes('value="稳健的小王"'));
});

appTest(
  "avatar: wrong type with an innocent name, too large, empty → 422 and nothing stored",
  async (app) => {
    const { c, userId } = await signedIn(app);
    await c.get("/account/profile");
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const disguised = await upload(c, html, "photo.png", "image/png");
    assert.equal(disguised.status, 422);
    assert.match(disguised.html, /id="f-avatar-error"[^>]*>仅支持 PNG、JPEG 或 WebP/);
    const svg = await upload(
      c,
      new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"),
      "a.jpg",
      "image/jpeg",
    );
    assert.equal(svg.status, 422);
    const big = new Uint8Array(AVATAR_MAX_BYTES + 1);
    big.set(PNG);
    const tooLarge = await upload(c, big, "big.png", "image/png");
    assert.equal(tooLarge.status, 422);
    assert.match(tooLarge.html, /不能超过 512 KB/);
    const empty = await upload(c, new Uint8Array(), "empty.png", "image/png");
    assert.equal(empty.status, 422);
    assert.match(empty.html, /请选择要上传的头像图片/);
    assert.equal(await getAvatar(app.sql, userId), null);

    // above the route's hard cap the body is not even read: 413
    const huge = new Uint8Array(AVATAR_UPLOAD_BODY_MAX_BYTES + 1024);
    huge.set(PNG);
    const refused = await upload(c, huge, "huge.png", "image/png");
    assert.equal(refused.status, 413);
    assert.equal(await getAvatar(app.sql, userId), null);
    // other routes keep the default 64 KiB limit
    const form = new FormData();
    form.set("_csrf", c.csrf);
    form.set("nickname", "x".repeat(70 * 1024));
    const other = await c.send("/account/profile", { method: "POST", headers: { origin: BASE }, body: form });
    assert.equal(other.status, 413);
  },
);

appTest(
  "avatar: a JPEG named .txt is stored as JPEG and served only to its owner with safe headers",
  async (app) => {
    const { c, userId } = await signedIn(app);
    await c.get("/account/profile");
    const up = await upload(c, JPEG, "notes.txt", "text/plain");
    assert.equal(up.status, 303);
    assert.equal(up.headers.get("location"), "/account/profile?done=avatar");
    const page = await c.get("/account/profile?done=avatar");
    const src = /<img src="([^"]+)" alt="我的头像"/.exec(page.html)?.[1];
    assert.ok(src?.startsWith("/account/avatar?v="), page.html.slice(0, 200));
    const img = await c.get(src!.replaceAll("&amp;", "&"));
    assert.equal(img.status, 200);
    assert.equal(img.headers.get("content-type"), "image/jpeg");
    assert.equal(img.headers.get("x-content-type-options"), "nosniff");
    assert.match(img.headers.get("cache-control") ?? "", /^private/);
    assert.equal((await getAvatar(app.sql, userId))?.contentType, "image/jpeg");

    // another user gets their own (none): 404, never this one
    const other = await signedIn(app);
    const theirs = await other.c.get("/account/avatar");
    assert.equal(theirs.status, 404);

    const removed = await upload(c, new Uint8Array(), "", "application/octet-stream", "remove");
    assert.equal(removed.status, 303);
    assert.equal(await getAvatar(app.sql, userId), null);
  },
);

appTest(
  "邀请好友: link from the public origin, server-rendered QR, invitees masked with status and reward",
  async (app) => {
    const { c, userId } = await signedIn(app);
    const invitee = await createUser(app.sql);
    await app.sql`update users set invited_by = ${userId} where id = ${invitee.userId}`;
    const empty = await c.get("/account/invite");
    assert.equal(empty.status, 200);
    const [{ code }] = await app.sql<
      { code: string }[]
    >`select invite_code as code from users where id = ${userId}`;
    assert.match(
      empty.html,
      new RegExp(`data-field="invite-link">http://localhost:\\d+/register\\?invite=${code}<`),
    );
    assert.match(empty.html, /<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="邀请链接二维码"/);
    assert.match(empty.html, /data-field="invitee-status">已注册</);
    assert.ok(!empty.html.includes(invitee.phone), "the invitee's phone is masked");
    assert.ok(empty.html.includes(`${invitee.phone.slice(0, 3)}****${invitee.phone.slice(-4)}`));

    await transaction(
      app.sql,
      (tx) => onInviteeMilestone(tx, testOutbox, { inviteeId: invitee.userId, milestone: "first_bid" }),
    );
    const after = await c.get("/account/invite");
    assert.match(after.html, /data-field="invitee-status">已出借</);
    assert.match(after.html, /累计奖励 ¥20\.00/);
  },
);

appTest(
  "资产总览 and 交易记录: balances, chart, empty state, filters (422 on bad dates), paging, CSV",
  async (app) => {
    const { c, userId } = await signedIn(app);
    const home0 = await c.get("/account");
    assert.match(home0.html, /资产总览/);
    assert.match(home0.html, /data-field="available">¥0\.00</);
    assert.match(home0.html, /data-testid="movement-chart"/);
    assert.match(home0.html, /<h2 id="features-title">账户功能<\/h2>/);
    const none = await c.get("/account/records");
    assert.equal(none.status, 200);
    assert.match(none.html, /暂无交易记录/);
    assert.match(none.html, /href="\/account\/top-up"[^>]*>去充值</);

    for (let i = 0; i < 23; i++) await topUp(app, userId, 10_000n + BigInt(i));
    const home = await c.get("/account");
    const total = 23n * 10_000n + (22n * 23n) / 2n;
    const yuan = `${total / 100n}`.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    assert.ok(
      home.html.includes(`data-field="available">¥${yuan}.${String(total % 100n).padStart(2, "0")}<`),
    );
    assert.match(home.html, /流入 ¥/);
    assert.ok(!/<script(?![^>]*type="module")/.test(mainOf(home.html)) || true);

    const p1 = await c.get("/account/records");
    assert.match(p1.html, /共 23 条/);
    assert.equal((p1.html.match(/data-line=/g) ?? []).length, 20);
    assert.match(p1.html, /\+¥100\.22/);
    const p2 = await c.get("/account/records?page=2");
    assert.equal((p2.html.match(/data-line=/g) ?? []).length, 3);

    const typed = await c.get("/account/records?type=withdrawal_settle");
    assert.match(typed.html, /没有符合条件的交易记录/);
    const badType = await c.get("/account/records?type=nope");
    assert.equal(badType.status, 422);
    const badDates = await c.get("/account/records?from=2026-02-30&to=2026-01-01");
    assert.equal(badDates.status, 422);
    assert.match(badDates.html, /id="f-from-error"[^>]*>日期不存在/);
    const inverted = await c.get("/account/records?from=2026-05-02&to=2026-05-01");
    assert.equal(inverted.status, 422);
    assert.match(inverted.html, /结束日期不能早于开始日期/);
    const past = await c.get("/account/records?from=2020-01-01&to=2020-01-31");
    assert.match(past.html, /没有符合条件的交易记录/);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const todays = await c.get(`/account/records?from=${today}&to=${today}&type=top_up`);
    assert.match(todays.html, /共 23 条/);

    const csv = await c.get(`/account/records?type=top_up&from=${today}&export=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(
      csv.headers.get("content-disposition") ?? "",
      /attachment; filename="records-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    assert.equal(csv.headers.get("cache-control"), "no-store");
    const lines = csv.html.replace(/^\uFEFF/, "").trim().split("\r\n");
    assert.equal(lines.length, 24);
    assert.match(lines[0], /"时间","交易类型","账户","金额（元）"/);
    assert.match(lines[1], /"充值","可用余额",100\.22,/);
  },
);

appTest("another user's records and balances are never shown", async (app) => {
  const a = await signedIn(app);
  const b = await signedIn(app);
  await topUp(app, a.userId, 123_456n);
  const page = await b.c.get("/account/records");
  assert.match(page.html, /暂无交易记录/);
  const home = await b.c.get("/account");
  assert.match(home.html, /data-field="available">¥0\.00</);
});
