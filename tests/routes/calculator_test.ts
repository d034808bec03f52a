import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { CALCULATOR_MESSAGES as M } from "../../domain/lending/calculator_input.ts";

async function get(path: string): Promise<Response> {
  const app = await testApp();
  return await app.handle(new Request(`http://localhost${path}`));
}

async function getJson(path: string): Promise<{ status: number; body: unknown; type: string | null }> {
  const res = await get(path);
  return { status: res.status, body: await res.json(), type: res.headers.get("content-type") };
}

function row(
  period: number,
  paymentFen: number,
  principalFen: number,
  interestFen: number,
  remainingFen: number,
) {
  return { period, paymentFen, principalFen, interestFen, remainingFen };
}

Deno.test("GET /api/calculator answers the issue's example exactly", async () => {
  const res = await getJson("/api/calculator?principal=100&annualRate=7&months=6&method=equal_installment");
  assert.equal(res.status, 200);
  assert.match(res.type ?? "", /^application\/json/);
  assert.deepEqual(res.body, {
    method: "equal_installment",
    principalFen: 10000,
    totalInterestFen: 205,
    totalPaymentFen: 10205,
    periods: [
      row(1, 1701, 1643, 58, 8357),
      row(2, 1701, 1652, 49, 6705),
      row(3, 1701, 1662, 39, 5043),
      row(4, 1701, 1672, 29, 3371),
      row(5, 1701, 1681, 20, 1690),
      row(6, 1700, 1690, 10, 0),
    ],
  });
});

Deno.test("GET /api/calculator: equal_principal, interest_first and bullet", async () => {
  const cases: { query: string; body: unknown }[] = [
    {
      query: "principal=100.00&annualRate=12&months=3&method=equal_principal",
      body: {
        method: "equal_principal",
        principalFen: 10000,
        totalInterestFen: 200,
        totalPaymentFen: 10200,
        periods: [row(1, 3433, 3333, 100, 6667), row(2, 3400, 3333, 67, 3334), row(3, 3367, 3334, 33, 0)],
      },
    },
    {
      query: "principal=100&annualRate=12&months=3&method=interest_first",
      body: {
        method: "interest_first",
        principalFen: 10000,
        totalInterestFen: 300,
        totalPaymentFen: 10300,
        periods: [row(1, 100, 0, 100, 10000), row(2, 100, 0, 100, 10000), row(3, 10100, 10000, 100, 0)],
      },
    },
    {
      query: "principal=100&annualRate=12&months=3&method=bullet",
      body: {
        method: "bullet",
        principalFen: 10000,
        totalInterestFen: 300,
        totalPaymentFen: 10300,
        periods: [row(1, 10300, 10000, 300, 0)],
      },
    },
    {
      // 100000 fen × 10% × 30 / 365 = 821.92 → 822.
      query: "principal=1%2C000&annualRate=10&days=30&method=bullet",
      body: {
        method: "bullet",
        principalFen: 100000,
        totalInterestFen: 822,
        totalPaymentFen: 100822,
        periods: [row(1, 100822, 100000, 822, 0)],
      },
    },
  ];
  for (const { query, body } of cases) {
    const res = await getJson(`/api/calculator?${query}`);
    assert.equal(res.status, 200, query);
    assert.deepEqual(res.body, body, query);
  }
});

Deno.test("GET /api/calculator rejects bad input with Chinese field errors", async () => {
  const cases: [string, Record<string, string[]>][] = [
    ["", {
      principal: [M.principalFormat],
      annualRate: [M.annualRateFormat],
      method: [M.method],
      months: [M.months],
    }],
    ["principal=1.234&annualRate=7&months=6&method=equal_installment", { principal: [M.principalFormat] }],
    ["principal=0&annualRate=7&months=6&method=equal_installment", { principal: [M.principalPositive] }],
    ["principal=100000001&annualRate=7&months=6&method=equal_installment", { principal: [M.principalMax] }],
    ["principal=100&annualRate=36.5&months=6&method=equal_installment", { annualRate: [M.annualRateMax] }],
    ["principal=100&annualRate=7.12345&months=6&method=equal_installment", {
      annualRate: [M.annualRateFormat],
    }],
    ["principal=100&annualRate=7&months=361&method=equal_installment", { months: [M.months] }],
    ["principal=100&annualRate=7&days=30&method=equal_installment", { days: [M.daysNotBullet] }],
    ["principal=100&annualRate=7&months=1&days=30&method=bullet", { days: [M.bothTerms] }],
    ["principal=100&annualRate=7&days=366&method=bullet", { days: [M.days] }],
    ["principal=100&annualRate=7&months=6&method=balloon", { method: [M.method] }],
  ];
  for (const [query, fields] of cases) {
    const res = await getJson(`/api/calculator?${query}`);
    assert.equal(res.status, 400, query);
    assert.match(res.type ?? "", /^application\/json/);
    assert.deepEqual(res.body, { error: { code: "invalid_input", fields } }, query);
  }
});

Deno.test("/api/calculator answers HEAD and refuses POST", async () => {
  const app = await testApp();
  const query = "principal=100&annualRate=7&months=6&method=equal_installment";
  const head = await app.handle(new Request(`http://localhost/api/calculator?${query}`, { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const post = await app.handle(new Request(`http://localhost/api/calculator?${query}`, { method: "POST" }));
  await post.body?.cancel();
  // Refused by the CSRF check (403) before the router's 405; either way nothing is computed.
  assert.ok(post.status === 403 || post.status === 405, String(post.status));
});

Deno.test("GET /calculator renders the form and a default result without script", async () => {
  const res = await get("/calculator");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  assert.match(html, /<title>借款计算器/);
  assert.match(html, /<form[^>]*method="get"[^>]*action="\/calculator"/);
  for (const name of ["principal", "annualRate", "term", "termUnit", "method"]) {
    assert.match(html, new RegExp(`name="${name}"`), name);
  }
  assert.match(html, /<label for="calc-principal">借款金额（元）<\/label>/);
  assert.match(html, /<frsh-island[^>]*data-island="Calculator"/);
  // Default: 10,000 yuan at 8.5% over 12 months, equal installments → 872.20 a month.
  assert.match(html, /data-testid="calc-first-payment">¥872\.20</);
  assert.match(html, /<table class="data"/);
  assert.match(html, /计算结果仅供参考/);
});

Deno.test("GET /calculator with a submitted form keeps the values and shows the schedule", async () => {
  const res = await get(
    "/calculator?principal=100&annualRate=7&term=6&termUnit=month&method=equal_installment",
  );
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /name="principal"[^>]*value="100"/);
  assert.match(html, /name="annualRate"[^>]*value="7"/);
  assert.match(html, /data-testid="calc-first-payment">¥17\.01</);
  assert.match(html, /data-testid="calc-total-interest">¥2\.05</);
  assert.match(html, /data-testid="calc-total-payment">¥102\.05</);
  assert.match(
    html,
    /<th scope="row">第6期<\/th><td>¥17\.00<\/td><td>¥16\.90<\/td><td>¥0\.10<\/td><td>¥0\.00<\/td>/,
  );

  const days = await get("/calculator?principal=1000&annualRate=10&term=30&termUnit=day&method=bullet");
  assert.equal(days.status, 200);
  const daysHtml = await days.text();
  assert.match(daysHtml, /<input\s+type="radio"\s+name="termUnit"\s+value="day"\s+checked/);
  assert.match(daysHtml, /<option\s+value="bullet"\s+selected>/);
  assert.match(daysHtml, /data-testid="calc-first-payment">¥1,008\.22</);
});

Deno.test("GET /calculator with bad input shows field errors and keeps what was typed", async () => {
  const res = await get(
    "/calculator?principal=1.234&annualRate=7&term=30&termUnit=day&method=equal_installment",
  );
  assert.equal(res.status, 400);
  const html = await res.text();
  assert.match(html, /name="principal"[^>]*value="1\.234"/);
  assert.match(html, /aria-invalid="true" aria-describedby="calc-principal-hint calc-principal-error"/);
  assert.match(html, new RegExp(`id="calc-principal-error"[^>]*>${M.principalFormat}<`));
  assert.match(html, new RegExp(`id="calc-term-error"[^>]*>${M.daysNotBullet}<`));
  assert.doesNotMatch(html, /data-testid="calc-first-payment"/);
});
