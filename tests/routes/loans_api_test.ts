/**
 * `/api/loans/[id]/bids` through the whole app: the token from GET, a bid (201) and its idempotent repeat
 * (200, nothing moves again), a key reused for another amount (409), each refusal of `placeBid` as a JSON
 * code with its status, no session (401), no or a forged CSRF token (403, the framework's refusal).
 */
import assert from "node:assert/strict";
import { userBalances } from "../../domain/ledger/ledger.ts";
import type { TestApp } from "../helpers/app.ts";
import { appTest, BASE, Client, userBrowser } from "../helpers/forms.ts";
import { insertLoan } from "../helpers/lending.ts";
import {
  bidReadyInvestor,
  type InvestorOptions,
  sessionWithBidAuthorisation,
  TEST_TRADE_PASSWORD,
} from "../helpers/investor_fixtures.ts";

type Json = Record<string, unknown>;

/** A signed-in client holding the token the API's GET hands out. */
async function apiClient(app: TestApp, userId: string, loanId: string): Promise<Client> {
  const c = await userBrowser(app, userId);
  const r = await c.get(`/api/loans/${loanId}/bids`);
  assert.equal(r.status, 200, r.html);
  const body = JSON.parse(r.html) as Json;
  assert.equal(body.ok, true);
  assert.equal(typeof body.csrfToken, "string");
  c.csrf = String(body.csrfToken);
  return c;
}

async function bidApi(
  c: Client,
  loanId: string,
  body: unknown,
  key: string | null = crypto.randomUUID(),
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = {
    origin: BASE,
    "content-type": "application/json",
    "x-csrf-token": c.csrf,
  };
  if (key !== null) headers["idempotency-key"] = key;
  const r = await c.send(`/api/loans/${loanId}/bids`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, json: JSON.parse(r.html) as Json };
}

appTest(
  "bid API: 201 with the bid, the same key replays (200) once, another amount under it 409",
  async (app) => {
    const inv = await bidReadyInvestor(app.sql, { balanceFen: 500_000n });
    const { loanId } = await insertLoan(app.sql, { amountFen: 1_000_000n });
    const c = await apiClient(app, inv.userId, loanId);
    const key = crypto.randomUUID();
    const first = await bidApi(c, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD }, key);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(first.json.ok, true);
    assert.equal(first.json.loanId, loanId);
    assert.equal(first.json.amountFen, 100_000);
    assert.equal(first.json.replayed, false);
    assert.equal(first.json.loanFull, false);
    assert.match(String(first.json.contractSha256), /^[0-9a-f]{64}$/);
    const [row] = await app.sql<{ channel: string }[]>`select channel from bids where id = ${
      String(first.json.bidId)
    }`;
    assert.equal(row.channel, "api");

    const again = await bidApi(c, loanId, { amountYuan: "1000", tradePassword: TEST_TRADE_PASSWORD }, key);
    assert.equal(again.status, 200);
    assert.equal(again.json.bidId, first.json.bidId);
    assert.equal(again.json.replayed, true);
    assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 100_000n);

    const reused = await bidApi(c, loanId, { amountFen: 200_000, tradePassword: TEST_TRADE_PASSWORD }, key);
    assert.equal(reused.status, 409);
    assert.equal(reused.json.code, "idempotency_key_reused");
    assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 100_000n);
    const [loan] = await app.sql<
      { funded: bigint }[]
    >`select funded_fen as funded from loans where id = ${loanId}`;
    assert.equal(loan.funded, 100_000n);
  },
);

appTest("bid API: an open bid authorisation of the session stands for the trade password", async (app) => {
  const inv = await bidReadyInvestor(app.sql);
  const { loanId } = await insertLoan(app.sql, { amountFen: 100_000n });
  const sessionId = await sessionWithBidAuthorisation(app.sql, inv.userId);
  const c = new Client(app);
  c.jar.take(new Response(null, { headers: { "set-cookie": `sid=${sessionId}; Path=/` } }));
  const token = JSON.parse((await c.get(`/api/loans/${loanId}/bids`)).html) as Json;
  c.csrf = String(token.csrfToken);
  const r = await bidApi(c, loanId, { amountFen: "100000" });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.loanFull, true);
  const late = await bidApi(c, loanId, { amountFen: 10_000 });
  assert.equal(late.status, 409);
  assert.equal(late.json.code, "loan_full");
  assert.equal(late.json.remainingFen, 0);
});

appTest("bid API: each refusal is a JSON code with its status and moves nothing", async (app) => {
  const inv = await bidReadyInvestor(app.sql, { balanceFen: 500_000n });
  const { loanId } = await insertLoan(app.sql, { amountFen: 1_000_000n });
  const c = await apiClient(app, inv.userId, loanId);
  const tp = TEST_TRADE_PASSWORD;
  const expect = async (
    body: unknown,
    status: number,
    code: string,
    options: { loan?: string; key?: string | null; client?: Client } = {},
  ) => {
    const r = await bidApi(
      options.client ?? c,
      options.loan ?? loanId,
      body,
      options.key === undefined ? crypto.randomUUID() : options.key,
    );
    assert.equal(r.status, status, `${code}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.code, code);
    assert.equal(typeof r.json.message, "string");
    return r.json;
  };
  await expect({ amountFen: 100_000, tradePassword: tp }, 400, "invalid_input", { key: null });
  await expect({ amountFen: 100_000, tradePassword: tp }, 400, "invalid_input", { key: "short" });
  await expect("not json", 400, "invalid_input");
  await expect({ amountFen: 1.5, tradePassword: tp }, 400, "invalid_input");
  await expect({ amountFen: 100_000, amountYuan: "1000", tradePassword: tp }, 400, "invalid_input");
  await expect({ amountYuan: "abc", tradePassword: tp }, 400, "invalid_input");
  // the body's shape (its schema)
  await expect([{ amountFen: 100_000 }], 400, "invalid_input");
  await expect(null, 400, "invalid_input");
  await expect({ amountFen: -100, tradePassword: tp }, 400, "invalid_input");
  await expect({ amountFen: 10_000_000_001, tradePassword: tp }, 400, "invalid_input");
  await expect({ amountFen: "0100", tradePassword: tp }, 400, "invalid_input");
  await expect({ amountFen: null, tradePassword: tp }, 400, "invalid_input");
  await expect({ amountYuan: 0, tradePassword: tp }, 400, "invalid_input");
  await expect({ amountYuan: "1".repeat(31), tradePassword: tp }, 400, "invalid_input");
  await expect({ amountFen: 100_000, tradePassword: "1".repeat(21) }, 400, "invalid_input");
  await expect({ amountFen: 100_000, tradePassword: 123456 }, 400, "invalid_input");
  // a string amount in fen is taken as such
  await expect({ amountFen: "15000", tradePassword: tp }, 422, "not_multiple");
  const below = await expect({ amountYuan: "50", tradePassword: tp }, 422, "below_minimum");
  assert.equal(below.limitFen, 10_000);
  await expect({ amountFen: 15_000, tradePassword: tp }, 422, "not_multiple");
  const over = await expect({ amountYuan: "20000", tradePassword: tp }, 409, "over_remaining");
  assert.equal(over.remainingFen, 1_000_000);
  const poor = await expect({ amountYuan: "6000", tradePassword: tp }, 422, "insufficient_funds");
  assert.equal(poor.availableFen, 500_000);
  await expect({ amountFen: 100_000, tradePassword: "000001" }, 403, "wrong_trade_password");
  await expect({ amountFen: 100_000 }, 403, "needs_trade_password");
  await expect({ amountFen: 100_000, tradePassword: tp }, 404, "loan_not_found", { loan: "999999999" });

  const own = await insertLoan(app.sql, { borrowerId: inv.userId });
  await expect({ amountFen: 100_000, tradePassword: tp }, 403, "own_loan", { loan: own.loanId });
  const newbie = await insertLoan(app.sql, { newbieOnly: true });
  await app.sql`
    insert into bids (loan_id, investor_id, amount_fen, idempotency_key, channel, status)
    values (${own.loanId}, ${inv.userId}, 10000, ${crypto.randomUUID()}, 'api', 'released')`;
  await expect({ amountFen: 100_000, tradePassword: tp }, 403, "newbie_only", { loan: newbie.loanId });
  const closed = await insertLoan(app.sql);
  await app.sql`update loans set status = 'failed' where id = ${closed.loanId}`;
  await expect({ amountFen: 100_000, tradePassword: tp }, 409, "loan_not_open", { loan: closed.loanId });
  assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 0n);

  // the investor's permissions
  const cases: [InvestorOptions, number, string][] = [
    [{ level: null }, 403, "no_assessment"],
    [{ expired: true }, 403, "assessment_expired"],
    [{ disclosure: false }, 403, "no_disclosure"],
  ];
  for (const [options, status, code] of cases) {
    const other = await bidReadyInvestor(app.sql, options);
    const oc = await apiClient(app, other.userId, loanId);
    await expect({ amountFen: 100_000, tradePassword: tp }, status, code, { client: oc });
  }
  const cautious = await bidReadyInvestor(app.sql, { level: "C1" });
  const risky = await insertLoan(app.sql, { grade: "E" });
  const cc = await apiClient(app, cautious.userId, risky.loanId);
  await expect({ amountFen: 100_000, tradePassword: tp }, 403, "grade_not_allowed", {
    client: cc,
    loan: risky.loanId,
  });
  const [loan] = await app.sql<
    { funded: bigint }[]
  >`select funded_fen as funded from loans where id = ${loanId}`;
  assert.equal(loan.funded, 0n);
});

appTest("bid API: no session 401; no or a forged CSRF token 403; a borrower 403", async (app) => {
  const inv = await bidReadyInvestor(app.sql);
  const { loanId, borrowerId } = await insertLoan(app.sql);
  const anon = new Client(app);
  const noSession = await anon.send(`/api/loans/${loanId}/bids`);
  assert.equal(noSession.status, 401);
  await anon.get("/login"); // a page with a form: a token (bound to no session)
  const r = await bidApi(anon, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD });
  assert.equal(r.status, 401);
  assert.deepEqual([r.json.ok, r.json.code], [false, "unauthenticated"]);

  const c = await apiClient(app, inv.userId, loanId);
  const token = c.csrf;
  c.csrf = "forged.token";
  const forged = await bidApi(c, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD });
  assert.equal(forged.status, 403);
  assert.equal((forged.json.error as Json).code, "csrf_failed");
  c.csrf = "";
  assert.equal(
    (await bidApi(c, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD })).status,
    403,
  );
  // a token of another session does not work in this one
  const other = await apiClient(app, (await bidReadyInvestor(app.sql)).userId, loanId);
  c.csrf = other.csrf;
  assert.equal(
    (await bidApi(c, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD })).status,
    403,
  );
  // a foreign Origin, even with the right token
  const foreign = await c.send(`/api/loans/${loanId}/bids`, {
    method: "POST",
    headers: {
      origin: "https://evil.example",
      "content-type": "application/json",
      "x-csrf-token": token,
      "idempotency-key": crypto.randomUUID(),
    },
    body: JSON.stringify({ amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD }),
  });
  assert.equal(foreign.status, 403);
  assert.equal((await userBalances(app.sql, inv.userId)).frozenFen, 0n);

  const b = await apiClient(app, borrowerId, loanId);
  const byBorrower = await bidApi(b, loanId, { amountFen: 100_000, tradePassword: TEST_TRADE_PASSWORD });
  assert.equal(byBorrower.status, 403);
  assert.ok(["not_investor", "own_loan"].includes(String(byBorrower.json.code)));
});
