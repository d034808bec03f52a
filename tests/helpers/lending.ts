/**
 * Lending fixtures shared by the loan tests: a loan row inserted directly (any status), for tests of one
 * stage that do not want to walk the whole lifecycle first.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import type { Fen } from "../../domain/money/fen.ts";
import { createUser } from "./forms.ts";

/** What {@link insertLoan} accepts; everything has a default. */
export interface InsertLoanOptions {
  borrowerId?: string;
  productCode?: string;
  status?: "scheduled" | "open" | "full" | "full_reviewed" | "failed";
  amountFen?: Fen;
  fundedFen?: Fen;
  annualRateMicros?: number;
  termCount?: number;
  termUnit?: "month" | "day";
  method?: "equal_installment" | "equal_principal" | "interest_first" | "bullet";
  grade?: "A" | "B" | "C" | "D" | "E";
  newbieOnly?: boolean;
  minBidFen?: Fen;
  bidUnitFen?: Fen;
  /** Default: an hour ago. */
  publishAt?: Date;
  /** Default: seven days after publishAt. */
  bidDeadline?: Date;
  title?: string;
}

const GRADE_LEVEL = { A: "R1", B: "R2", C: "R3", D: "R4", E: "R5" } as const;

/** Insert a loan row (no application, no bids) and return its id and borrower. */
export async function insertLoan(
  sql: Db,
  options: InsertLoanOptions = {},
): Promise<{ loanId: string; borrowerId: string }> {
  const borrowerId = options.borrowerId ?? (await createUser(sql)).userId;
  const [product] = await sql<
    { id: string; serviceFeeMicros: number; feeMicros: number }[]
  >`select id, service_fee_micros as "serviceFeeMicros", interest_management_fee_micros as "feeMicros"
    from loan_products where code = ${options.productCode ?? "personal_credit"}`;
  const publishAt = options.publishAt ?? new Date(Date.now() - 3_600_000);
  const deadline = options.bidDeadline ?? new Date(publishAt.getTime() + 7 * 86_400_000);
  const grade = options.grade ?? "B";
  const [loan] = await sql<{ id: string }[]>`
    insert into loans (borrower_id, product_id, title, amount_fen, funded_fen, annual_rate_micros, term_unit,
      term_count, method, grade, risk_level, newbie_only, min_bid_fen, bid_unit_fen, service_fee_micros,
      interest_management_fee_micros, status, purpose, repayment_source, publish_at, bid_deadline)
    values (${borrowerId}, ${product.id}, ${options.title ?? "测试借款项目"}, ${
    options.amountFen ?? 1_000_000n
  },
      ${options.fundedFen ?? 0n}, ${options.annualRateMicros ?? 90_000}, ${options.termUnit ?? "month"},
      ${options.termCount ?? 12}, ${options.method ?? "equal_installment"}, ${grade}, ${GRADE_LEVEL[grade]},
      ${options.newbieOnly ?? false}, ${options.minBidFen ?? 10_000n}, ${options.bidUnitFen ?? 10_000n},
      ${product.serviceFeeMicros}, ${product.feeMicros}, ${options.status ?? "open"}, '个人消费', '工资收入',
      ${publishAt}, ${deadline})
    returning id`;
  return { loanId: String(loan.id), borrowerId };
}
