/**
 * The loan product edit form (pure): a stored product as the form's text, and the form's fields read back
 * (validated later by `updateProduct`).
 * @module
 */
import { LOAN_GRADES, type LoanProduct, type ProductFormInput } from "./products.ts";

/** Micros as the percent text of the form (85 000 → `8.5`). */
function pct(micros: number): string {
  return String(micros / 10_000);
}

function yuan(fen: bigint): string {
  return fen % 100n === 0n ? String(fen / 100n) : `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
}

/** A stored product as the edit form shows it (yuan, percent text, `on` for checked boxes). */
export function productFormValues(p: LoanProduct): ProductFormInput {
  return {
    name: p.name,
    description: p.description,
    borrowerKind: p.borrowerKind,
    minAmountYuan: yuan(p.minAmountFen),
    maxAmountYuan: yuan(p.maxAmountFen),
    termUnit: p.termUnit,
    terms: p.terms.join(", "),
    methods: [...p.methods],
    rates: Object.fromEntries(
      LOAN_GRADES.flatMap((g) => [
        [`${g}Min`, pct(p.gradeRates[g].minRateMicros)],
        [`${g}Max`, pct(p.gradeRates[g].maxRateMicros)],
      ]),
    ) as ProductFormInput["rates"],
    serviceFeePercent: pct(p.serviceFeeMicros),
    interestManagementFeePercent: pct(p.interestManagementFeeMicros),
    minBidYuan: yuan(p.minBidFen),
    bidUnitYuan: yuan(p.bidUnitFen),
    biddingDays: String(p.biddingDays),
    newbieOnly: p.newbieOnly ? "on" : "",
    prepaymentAllowed: p.prepaymentAllowed ? "on" : "",
    prepaymentFeePercent: pct(p.prepaymentFeeMicros),
    penaltyDayPercent: pct(p.penaltyDayMicros),
    penaltyDayPercentAfter30: pct(p.penaltyDayMicrosAfter30),
    accelerationDays: String(p.accelerationDays),
    active: p.active ? "on" : "",
  };
}

/**
 * Read the product form through a length-capped text reader (`formText(form, 40)` of utils.ts) and the
 * checked repayment methods (`form.getAll("methods")`).
 */
export function readProductForm(
  text: (name: string, max?: number) => string,
  methods: readonly unknown[],
): ProductFormInput {
  return {
    name: text("name", 80),
    description: text("description", 1000),
    borrowerKind: text("borrowerKind"),
    minAmountYuan: text("minAmountYuan"),
    maxAmountYuan: text("maxAmountYuan"),
    termUnit: text("termUnit"),
    terms: text("terms", 200),
    methods: methods.slice(0, 4).map((m) => String(m).slice(0, 30)),
    rates: Object.fromEntries(
      LOAN_GRADES.flatMap((g) => [[`${g}Min`, text(`rate${g}Min`)], [`${g}Max`, text(`rate${g}Max`)]]),
    ) as ProductFormInput["rates"],
    serviceFeePercent: text("serviceFeePercent"),
    interestManagementFeePercent: text("interestManagementFeePercent"),
    minBidYuan: text("minBidYuan"),
    bidUnitYuan: text("bidUnitYuan"),
    biddingDays: text("biddingDays"),
    newbieOnly: text("newbieOnly"),
    prepaymentAllowed: text("prepaymentAllowed"),
    prepaymentFeePercent: text("prepaymentFeePercent"),
    penaltyDayPercent: text("penaltyDayPercent"),
    penaltyDayPercentAfter30: text("penaltyDayPercentAfter30"),
    accelerationDays: text("accelerationDays"),
    active: text("active"),
  };
}
