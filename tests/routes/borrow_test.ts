import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";
import { appTest, BASE, type Client, createUser, mainOf, userBrowser } from "../helpers/forms.ts";
import { staffBrowser } from "../helpers/staff_fixtures.ts";
import {
  borrower,
  BORROWER_TRADE_PASSWORD,
  BUSINESS_PROFILE,
  completeDraft,
  jpegBytes,
  PERSON_PROFILE,
  productId,
} from "../domain/borrowing/fixtures.ts";
import { insertLoan } from "../helpers/lending.ts";

const dataDir = loadConfig({ APP_ENV: "test" }).dataDir;

function upload(client: Client, path: string, kind: string, file: Blob) {
  const form = new FormData();
  form.set("_csrf", client.csrf);
  form.set("intent", "upload");
  form.set("kind", kind);
  form.set("file", file, "photo.jpg");
  return client.send(path, { method: "POST", headers: { origin: BASE }, body: form });
}

async function applicationRow(client: Client, sql: Parameters<typeof productId>[0], id: string) {
  void client;
  const [row] = await sql<{ status: string; step: number; authorisedAt: Date | null }[]>`
    select status, step, authorised_at as "authorisedAt" from loan_applications where id = ${id}`;
  return row;
}

appTest(
  "borrow: signed-out visitors go to log-in; unverified users are told why they cannot apply",
  async (app) => {
    const anon = await app.handle(new Request(`${BASE}/borrow`));
    assert.equal(anon.status, 303);
    assert.match(anon.headers.get("location") ?? "", /^\/login\?next=%2Fborrow/);
    const { userId } = await createUser(app.sql, "borrower");
    const client = await userBrowser(app, userId);
    const page = await client.get("/borrow");
    assert.equal(page.status, 200);
    assert.match(page.html, /借款前请先完成实名认证/);
    assert.doesNotMatch(page.html, /申请个人信用贷/, "no start button");
    const start = await client.post("/borrow", {
      intent: "start",
      productId: await productId(app.sql, "personal_credit"),
    });
    assert.equal(start.status, 409);
    assert.match(mainOf(start.html), /借款前请先完成实名认证/);
  },
);

appTest(
  "borrow: the steps through real HTTP, then submit (wrong trade password changes nothing)",
  async (app) => {
    const { userId } = await borrower(app.sql, app.services.gateways);
    const client = await userBrowser(app, userId);
    const home = await client.get("/borrow");
    assert.equal(home.status, 200);
    assert.match(home.html, /个人信用贷/);
    assert.match(home.html, /小微企业贷/);
    const start = await client.post("/borrow", {
      intent: "start",
      productId: await productId(app.sql, "personal_credit"),
    });
    assert.equal(start.status, 303);
    const loanPath = start.headers.get("location")!;
    const id = /\/borrow\/applications\/(\d+)\/loan$/.exec(loanPath)![1];

    // skipping ahead goes back to the step to do
    const early = await client.get(`/borrow/applications/${id}/confirm`);
    assert.equal(early.status, 303);
    assert.equal(early.headers.get("location"), loanPath);

    await client.get(loanPath);
    const bad = await client.post(loanPath, {
      amountYuan: "1",
      termCount: "5",
      method: "bullet",
      purpose: "",
    });
    assert.equal(bad.status, 422);
    const main = mainOf(bad.html);
    assert.match(main, /借款金额须在 ¥3,000\.00 – ¥200,000\.00 之间/);
    assert.match(main, /请选择借款期限/);
    assert.match(main, /请选择还款方式/);
    assert.match(main, /请填写借款用途/);
    const ok = await client.post(loanPath, {
      amountYuan: "50000",
      termCount: "12",
      method: "equal_installment",
      purpose: "家庭装修",
    });
    assert.equal(ok.status, 303);
    const profilePath = `/borrow/applications/${id}/profile`;
    assert.equal(ok.headers.get("location"), profilePath);

    // the draft is kept between steps
    const back = await client.get(loanPath);
    assert.match(back.html, /value="50000"/);

    await client.get(profilePath);
    const samePhone = await client.post(profilePath, {
      ...PERSON_PROFILE,
      contact2Phone: PERSON_PROFILE.contact1Phone,
    });
    assert.equal(samePhone.status, 422);
    assert.match(mainOf(samePhone.html), /两位联系人的手机号码不能相同/);
    const badName = await client.post(profilePath, { ...PERSON_PROFILE, contact1Name: "x", workYears: "99" });
    assert.equal(badName.status, 422);
    assert.match(mainOf(badName.html), /请输入与身份证一致的中文姓名/);
    assert.match(mainOf(badName.html), /请填写工作年限/);
    const profile = await client.post(profilePath, PERSON_PROFILE);
    assert.equal(profile.status, 303);
    const [stored] = await app.sql<{ details: Record<string, unknown> }[]>`
    select details from loan_applications where id = ${id}`;
    const text = JSON.stringify(stored.details);
    assert.doesNotMatch(text, /13800138001/, "contact phones are encrypted");
    assert.match(text, /138\*\*\*\*8001/);
    const again = await client.get(profilePath);
    assert.match(again.html, /value="13800138001"/, "the owner sees what they typed");

    const docsPath = `/borrow/applications/${id}/documents`;
    await client.get(docsPath);
    const notYet = await client.post(docsPath, { intent: "next" });
    assert.equal(notYet.status, 422);
    assert.match(mainOf(notYet.html), /请先上传：身份证人像面/);
    const wrong = await upload(
      client,
      docsPath,
      "id_front",
      new Blob([new TextEncoder().encode("GIF89a......")]),
    );
    assert.equal(wrong.status, 422);
    assert.match(mainOf(wrong.html), /文件格式不支持/);
    for (const kind of ["id_front", "id_back", "bank_card", "income_proof", "employment_proof"]) {
      await client.get(docsPath);
      const r = await upload(client, docsPath, kind, new Blob([jpegBytes()]));
      assert.equal(r.status, 303, kind);
    }
    const listed = await client.get(docsPath);
    const docId = /href="\/borrow\/documents\/(\d+)"/.exec(listed.html)![1];
    const file = await client.get(`/borrow/documents/${docId}`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("content-type"), "image/jpeg");
    assert.equal(file.headers.get("x-content-type-options"), "nosniff");
    const next = await client.post(docsPath, { intent: "next" });
    assert.equal(next.status, 303);
    const confirmPath = `/borrow/applications/${id}/confirm`;
    assert.equal(next.headers.get("location"), confirmPath);

    const confirm = await client.get(confirmPath);
    assert.equal(confirm.status, 200);
    assert.match(confirm.html, /征信查询授权书/);
    assert.match(confirm.html, /¥50,000\.00/);
    const noAgree = await client.post(confirmPath, { tradePassword: BORROWER_TRADE_PASSWORD });
    assert.equal(noAgree.status, 422);
    assert.match(mainOf(noAgree.html), /请阅读并同意《征信查询授权书》/);
    const wrongPw = await client.post(confirmPath, { authorise: "on", tradePassword: "135246" });
    assert.equal(wrongPw.status, 422);
    assert.match(mainOf(wrongPw.html), /交易密码错误，还可尝试 4 次/);
    const unchanged = await applicationRow(client, app.sql, id);
    assert.equal(unchanged.status, "draft");
    assert.equal(unchanged.authorisedAt, null);
    const [events] = await app.sql<{ n: bigint }[]>`
    select count(*) as n from loan_events where application_id = ${id} and kind = 'submitted'`;
    assert.equal(Number(events.n), 0);

    const submitted = await client.post(confirmPath, {
      authorise: "on",
      tradePassword: BORROWER_TRADE_PASSWORD,
    });
    assert.equal(submitted.status, 303);
    assert.equal(submitted.headers.get("location"), `/borrow/applications/${id}?done=submitted`);
    const row = await applicationRow(client, app.sql, id);
    assert.ok(row.status === "manual_review" || row.status === "auto_rejected", row.status);
    assert.equal(row.step, 5);
    assert.ok(row.authorisedAt);
    const status = await client.get(`/borrow/applications/${id}?done=submitted`);
    assert.match(status.html, /审核中|未通过/);
    const twice = await client.post(confirmPath, { authorise: "on", tradePassword: BORROWER_TRADE_PASSWORD });
    assert.equal(twice.status, 303, "a submitted application goes to its status page");
    const list = await client.get("/borrow");
    assert.match(list.html, new RegExp(`data-application="${id}"`));
  },
);

appTest("borrow: documents are 404 for other users; staff need loans.review", async (app) => {
  const { userId } = await borrower(app.sql, app.services.gateways);
  const id = await completeDraft(app.sql, userId, { dataDir });
  const [doc] = await app.sql<{ id: string }[]>`
    select id from application_documents where application_id = ${id} order by id limit 1`;
  const other = await borrower(app.sql, app.services.gateways);
  const stranger = await userBrowser(app, other.userId);
  assert.equal((await stranger.get(`/borrow/documents/${doc.id}`)).status, 404);
  assert.equal((await stranger.get(`/borrow/applications/${id}`)).status, 404);
  assert.equal((await stranger.get(`/borrow/applications/${id}/documents`)).status, 404);
  const finance = await staffBrowser(app, app.sql, "finance");
  assert.equal((await finance.client.get(`/admin/loans/documents/${doc.id}`)).status, 403);
  const risk = await staffBrowser(app, app.sql, "risk");
  const seen = await risk.client.get(`/admin/loans/documents/${doc.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.headers.get("content-type"), "image/jpeg");
});

appTest("borrow: over the platform cap the amount step says by how much", async (app) => {
  const { userId } = await borrower(app.sql, app.services.gateways);
  await insertLoan(app.sql, { borrowerId: userId, status: "open", amountFen: 18_000_000n });
  const client = await userBrowser(app, userId);
  await client.get("/borrow");
  const start = await client.post("/borrow", {
    intent: "start",
    productId: await productId(app.sql, "personal_credit"),
  });
  const loanPath = start.headers.get("location")!;
  await client.get(loanPath);
  const over = await client.post(loanPath, {
    amountYuan: "32345",
    termCount: "12",
    method: "equal_installment",
    purpose: "家庭装修",
  });
  assert.equal(over.status, 422);
  assert.match(mainOf(over.html), /超出本平台借款上限 ¥12,345\.00/);
});

appTest("borrow: a business application checks the credit code and the legal representative", async (app) => {
  const { userId } = await borrower(app.sql, app.services.gateways);
  const client = await userBrowser(app, userId);
  await client.get("/borrow");
  const start = await client.post("/borrow", {
    intent: "start",
    productId: await productId(app.sql, "small_business"),
  });
  const loanPath = start.headers.get("location")!;
  const id = /applications\/(\d+)\//.exec(loanPath)![1];
  await client.get(loanPath);
  assert.equal(
    (await client.post(loanPath, {
      amountYuan: "100000",
      termCount: "6",
      method: "interest_first",
      purpose: "进货周转",
    }))
      .status,
    303,
  );
  const profilePath = `/borrow/applications/${id}/profile`;
  const page = await client.get(profilePath);
  assert.match(page.html, /统一社会信用代码/);
  const bad = await client.post(profilePath, {
    ...BUSINESS_PROFILE,
    creditCode: "91350100M000100Y44",
    legalRepIdNumber: "350102198001011230",
  });
  assert.equal(bad.status, 422);
  assert.match(mainOf(bad.html), /统一社会信用代码校验位不正确/);
  assert.match(mainOf(bad.html), /身份证号码校验位不正确/);
  const ok = await client.post(profilePath, BUSINESS_PROFILE);
  assert.equal(ok.status, 303);
  const [row] = await app.sql<{ details: { business: Record<string, string> } }[]>`
    select details from loan_applications where id = ${id}`;
  assert.equal(row.details.business.creditCode, "91350100M000100Y43");
  assert.doesNotMatch(JSON.stringify(row.details), new RegExp(BUSINESS_PROFILE.legalRepIdNumber));
});

appTest("borrow: in more_info the borrower adds a document and resubmits", async (app) => {
  const { userId } = await borrower(app.sql, app.services.gateways);
  const id = await completeDraft(app.sql, userId, { dataDir });
  await app.sql`
    update loan_applications set status = 'more_info', step = 5, submitted_at = now(),
      review_note = '请补充近 6 个月银行流水' where id = ${id}`;
  const client = await userBrowser(app, userId);
  const page = await client.get(`/borrow/applications/${id}`);
  assert.match(page.html, /需补充材料/);
  assert.match(page.html, /请补充近 6 个月银行流水/);
  const docsPath = `/borrow/applications/${id}/documents`;
  await client.get(docsPath);
  assert.equal((await upload(client, docsPath, "income_proof", new Blob([jpegBytes()]))).status, 303);
  await client.get(`/borrow/applications/${id}`);
  const re = await client.post(`/borrow/applications/${id}`, { intent: "resubmit" });
  assert.equal(re.status, 303);
  const [row] = await app.sql<{ status: string }[]>`select status from loan_applications where id = ${id}`;
  assert.equal(row.status, "manual_review");
  const [ev] = await app.sql<{ n: bigint }[]>`
    select count(*) as n from loan_events where application_id = ${id} and kind in ('document_added', 'resubmitted')`;
  assert.equal(Number(ev.n), 2);
});
