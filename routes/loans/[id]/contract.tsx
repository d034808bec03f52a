/**
 * `/loans/[id]/contract` — the 出借协议 template of a loan (the same document each bid signs, with blanks for
 * the investor, amount and date), as a printable page of its own.
 */
import { HttpError } from "../../../framework/mod.ts";
import { renderContractHtml } from "../../../domain/lending/contract.ts";
import { contractResponse } from "../../../domain/lending/contract_response.ts";
import { disclosureItems, getLoanDetail } from "../../../domain/lending/loan_detail.ts";
import { define } from "../../../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    const loan = await getLoanDetail(ctx.state.sql, ctx.params.id);
    if (!loan) throw new HttpError(404);
    const html = renderContractHtml({
      contractNo: null,
      loanId: loan.id,
      loanTitle: loan.title,
      borrowerLabel: disclosureItems(loan).borrower[0].value,
      investorLabel: null,
      amountFen: null,
      loanAmountFen: loan.amountFen,
      annualRateMicros: loan.annualRateMicros,
      termCount: loan.termCount,
      termUnit: loan.termUnit,
      method: loan.method,
      interestManagementFeeMicros: loan.interestManagementFeeMicros,
      purpose: loan.purpose,
      signedAt: null,
    });
    return contractResponse(html);
  },
});
