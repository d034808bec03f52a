/**
 * `/api/loans/[id]/bids` — bidding as JSON, for programs (the funding-rush bench, a future app). The same
 * command as the page's form (`placeBid`, channel `api`); authenticated by the session cookie, and — like
 * every cookie-authenticated state change — the CSRF check of the framework (`framework/csrf.ts`): the
 * session-bound token in the `X-CSRF-Token` header (and the `csrf` cookie), a same-site `Origin`.
 *
 * - `GET` → `200 {"ok":true,"loanId","status","remainingFen","minBidFen","bidUnitFen","csrfToken"}`: what
 *   a client needs before bidding, with the token for the POST (fetch it once per session).
 * - `POST`, header `Idempotency-Key: <8–100 of A-Z a-z 0-9 _ : ->` (required), body
 *   `{"amountFen": 10000}` (integer fen; or `{"amountYuan": "100.00"}`) and `"tradePassword"` unless the
 *   session has an open bid authorisation →
 *   - `201 {"ok":true,"bidId","loanId","amountFen","contractSha256","loanFull","replayed":false}`;
 *   - `200` the same with `"replayed":true` for a repeat of the key (nothing moves again);
 *   - refusals `{"ok":false,"code","message", …figures}` (amounts as integer fen): `400` invalid_input
 *     (body, amount or key), `401` unauthenticated, `403` csrf_failed (framework) and the permission codes
 *     (own_loan, newbie_only, grade_not_allowed, no_assessment, assessment_expired, no_disclosure,
 *     needs_trade_password, exceeds_authorisation, wrong_trade_password, trade_password_locked,
 *     trade_password_not_set, no_custody_account, user_inactive, not_investor), `404` loan_not_found,
 *     `409` the loan's state (loan_full, over_remaining with `remainingFen`, loan_not_open, bidding_closed)
 *     and idempotency_key_reused (the key belongs to a different bid), `422` the amount against a rule
 *     (below_minimum, not_multiple, insufficient_funds, per_bid_limit, outstanding_limit).
 * @module
 */
import { z } from "zod";
import type { Fen } from "../../../../domain/money/fen.ts";
import { parseYuanToFen } from "../../../../domain/money/format.ts";
import { placeBid, type PlaceBidCode, type PlaceBidResult } from "../../../../domain/lending/place_bid.ts";
import { isId } from "../../../../domain/shared/ids.ts";
import { define } from "../../../../utils.ts";

/** Codes the route adds to {@link PlaceBidCode}. */
export type BidApiCode = PlaceBidCode | "unauthenticated" | "not_investor" | "idempotency_key_reused";

/** The HTTP status of each refusal. */
export const BID_API_STATUS: Readonly<Record<BidApiCode, number>> = {
  invalid_input: 400,
  unauthenticated: 401,
  not_investor: 403,
  own_loan: 403,
  newbie_only: 403,
  grade_not_allowed: 403,
  no_assessment: 403,
  assessment_expired: 403,
  no_disclosure: 403,
  needs_trade_password: 403,
  exceeds_authorisation: 403,
  wrong_trade_password: 403,
  trade_password_locked: 403,
  trade_password_not_set: 403,
  no_custody_account: 403,
  user_inactive: 403,
  loan_not_found: 404,
  loan_full: 409,
  over_remaining: 409,
  loan_not_open: 409,
  bidding_closed: 409,
  idempotency_key_reused: 409,
  below_minimum: 422,
  not_multiple: 422,
  insufficient_funds: 422,
  per_bid_limit: 422,
  outstanding_limit: 422,
};

const KEY_PATTERN = /^[A-Za-z0-9_:-]{8,100}$/;

const bodySchema = z.object({
  amountFen: z.union([z.number().int().positive().max(10_000_000_000), z.string().regex(/^[1-9]\d{0,10}$/)])
    .optional(),
  amountYuan: z.union([z.string().max(30), z.number().positive().max(100_000_000)]).optional(),
  tradePassword: z.string().max(20).optional(),
});

function refusal(code: BidApiCode, message: string, extra: Record<string, unknown> = {}): Response {
  return Response.json({ ok: false, code, message, ...extra }, { status: BID_API_STATUS[code] });
}

/** The amount of the body in fen, or null when absent or malformed (exactly one of the two fields). */
function amountOf(body: z.infer<typeof bodySchema>): Fen | null {
  if ((body.amountFen === undefined) === (body.amountYuan === undefined)) return null;
  if (body.amountFen !== undefined) return BigInt(body.amountFen);
  return parseYuanToFen(String(body.amountYuan));
}

const fen = (v: Fen | undefined) => v === undefined ? undefined : Number(v);

function answer(result: PlaceBidResult): Response {
  if (result.ok) {
    return Response.json({
      ok: true,
      bidId: result.bidId,
      loanId: result.loanId,
      amountFen: Number(result.amountFen),
      contractSha256: result.contractSha256,
      loanFull: result.loanFull,
      replayed: result.replayed,
    }, { status: result.replayed ? 200 : 201 });
  }
  return refusal(result.code, result.message, {
    remainingFen: fen(result.remainingFen),
    limitFen: fen(result.limitFen),
    availableFen: fen(result.availableFen),
  });
}

export const handler = define.handlers({
  /** What a client needs before bidding, and the CSRF token of its session. */
  async GET(ctx) {
    if (!ctx.state.user) return refusal("unauthenticated", "请先登录");
    if (!isId(ctx.params.id)) return refusal("loan_not_found", "借款项目不存在");
    const [loan] = await ctx.state.sql<
      { status: string; remainingFen: bigint; minBidFen: bigint; bidUnitFen: bigint }[]
    >`
      select status, amount_fen - funded_fen as "remainingFen", min_bid_fen as "minBidFen",
        bid_unit_fen as "bidUnitFen"
      from loans where id = ${ctx.params.id}`;
    if (!loan) return refusal("loan_not_found", "借款项目不存在");
    return Response.json({
      ok: true,
      loanId: ctx.params.id,
      status: loan.status,
      remainingFen: Number(loan.remainingFen),
      minBidFen: Number(loan.minBidFen),
      bidUnitFen: Number(loan.bidUnitFen),
      csrfToken: ctx.state.csrfToken,
    }, { headers: { "cache-control": "no-store" } });
  },

  /** Place a bid (see the module doc). */
  async POST(ctx) {
    const user = ctx.state.user;
    if (!user) return refusal("unauthenticated", "请先登录");
    if (user.kind !== "investor") return refusal("not_investor", "借款人账户不能出借，请使用出借人账户");
    const key = ctx.req.headers.get("idempotency-key") ?? "";
    if (!KEY_PATTERN.test(key)) {
      return refusal("invalid_input", "请求须带 Idempotency-Key 头（8–100 位字母、数字、_ : -）", {
        field: "Idempotency-Key",
      });
    }
    let raw: unknown;
    try {
      raw = await ctx.req.json();
    } catch {
      raw = null;
    }
    const parsed = bodySchema.safeParse(raw);
    const amountFen = parsed.success ? amountOf(parsed.data) : null;
    if (!parsed.success || amountFen === null || amountFen <= 0n) {
      return refusal(
        "invalid_input",
        "请输入正确的出借金额：amountFen（整数，分）或 amountYuan（元，最多两位小数）",
        {
          field: "amount",
        },
      );
    }
    if (!isId(ctx.params.id)) return refusal("loan_not_found", "借款项目不存在");
    const result = await placeBid(ctx.state.sql, { outbox: ctx.state.outbox }, {
      investorId: user.id,
      loanId: ctx.params.id,
      amountFen,
      idempotencyKey: key,
      sessionId: ctx.state.sessionId,
      tradePassword: parsed.data.tradePassword,
      channel: "api",
      ip: ctx.state.clientIp,
    });
    // a key already used for another loan or amount names a different bid: say so rather than replay it
    if (result.ok && result.replayed && (result.loanId !== ctx.params.id || result.amountFen !== amountFen)) {
      return refusal("idempotency_key_reused", "该 Idempotency-Key 已用于另一笔出借", {
        bidId: result.bidId,
      });
    }
    return answer(result);
  },
});
