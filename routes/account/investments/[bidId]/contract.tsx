/**
 * `/account/investments/[bidId]/contract` — the signed 出借协议 of the investor's own bid, exactly as stored,
 * printable on its own page, with its SHA-256 shown at the end (and in `X-Contract-SHA256`).
 */
import { HttpError } from "../../../../framework/mod.ts";
import { contractResponse } from "../../../../domain/lending/contract_response.ts";
import { getInvestmentContract } from "../../../../domain/lending/investments.ts";
import { define } from "../../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const c = await getInvestmentContract(ctx.state.sql, ctx.state.user!.id, ctx.params.bidId);
    if (!c) throw new HttpError(404);
    return contractResponse(c.html, { sha256: c.sha256, private: true });
  },
});
