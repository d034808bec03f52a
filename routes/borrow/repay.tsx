/**
 * `/borrow/repay` — 我的还款: the borrower's loans in repayment, each with what is due now (overdue and the
 * current installment), the schedule, "pay now" (everything due, or a part) and early full repayment with
 * its quote. Paid from the available balance; when it is short the page says by how much and links to
 * top-up. Plain forms (no JavaScript), each with an idempotency key; post/redirect/get.
 * @module
 */
import { RepayPage, type RepayPageData } from "../../components/borrow/RepayPage.tsx";
import { page, readForm } from "../../framework/mod.ts";
import { userBalances } from "../../domain/ledger/ledger.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { parseYuanToFen } from "../../domain/money/format.ts";
import {
  listBorrowerLoans,
  prepayLoan,
  repayErrorMessage,
  repayNow,
  type RepayResult,
} from "../../domain/lending/repay.ts";
import { define, doneNotice, formText, type State } from "../../utils.ts";

const NOTICES: Record<string, string> = {
  repaid: "还款成功，已按还款顺序入账并分配给出借人。",
  prepaid: "提前还款成功，该笔借款已结清。",
};

async function render(state: State, partial: Partial<RepayPageData>, status = 200) {
  const userId = state.user!.id;
  const [loans, balances] = await Promise.all([
    listBorrowerLoans(state.sql, userId),
    userBalances(state.sql, userId),
  ]);
  return page<RepayPageData>(
    { loans, availableFen: balances.availableFen, notice: null, failed: null, amountYuan: "", ...partial },
    { status },
  );
}

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "我的还款";
    return await render(ctx.state, { notice: doneNotice(ctx.url, NOTICES) });
  },
  async POST(ctx) {
    ctx.state.title = "我的还款";
    const form = await readForm(ctx.req);
    const text = formText(form);
    const intent = text("intent", 10);
    const loanId = text("loanId", 20);
    const idempotencyKey = text("idempotencyKey", 100);
    const amountYuan = text("amountYuan", 20).trim();
    const borrowerId = ctx.state.user!.id;
    let result: RepayResult;
    if (intent === "prepay") {
      result = await prepayLoan(ctx.state.sql, { outbox: ctx.state.outbox }, {
        borrowerId,
        loanId,
        idempotencyKey,
      });
    } else if (intent === "repay") {
      let amountFen: Fen | undefined;
      if (amountYuan !== "") {
        const parsed = parseYuanToFen(amountYuan);
        if (parsed === null || parsed <= 0n) {
          return await render(ctx.state, {
            amountYuan,
            failed: {
              loanId,
              intent,
              message: "请输入正确的还款金额（大于 0，最多两位小数）",
              shortFen: null,
            },
          }, 422);
        }
        amountFen = parsed;
      }
      result = await repayNow(ctx.state.sql, { outbox: ctx.state.outbox }, {
        borrowerId,
        loanId,
        amountFen,
        idempotencyKey,
      });
    } else {
      return await render(ctx.state, {}, 400);
    }
    if (result.ok) {
      return ctx.redirect(`/borrow/repay?done=${intent === "prepay" ? "prepaid" : "repaid"}`, 303);
    }
    return await render(ctx.state, {
      amountYuan,
      failed: {
        loanId,
        intent,
        message: repayErrorMessage(result),
        shortFen: result.code === "insufficient_funds" ? result.shortFen : null,
      },
    }, 422);
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <RepayPage data={data} csrfToken={state.csrfToken} />
));
