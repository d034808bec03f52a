/**
 * The ledger's accounts and business types: names, who owns them, and their Chinese labels. Pure.
 *
 * Sign convention: a line's `amountFen` is added to its account's balance, and an entry's lines sum to
 * zero. A user account's balance is what the platform's books say belongs to the user (never below zero);
 * `custody_clearing` mirrors the cash at the custody bank from the other side (a top-up of X: clearing −X,
 * user available +X), so the total over all accounts is always zero.
 * @module
 */

/** Accounts owned by a user: a balance row, never below zero. */
export const USER_ACCOUNT_KINDS = ["user_available", "user_frozen", "user_reward"] as const;
/** A user account kind. */
export type UserAccountKind = typeof USER_ACCOUNT_KINDS[number];

/** The platform's own accounts: no balance row (the balance is the sum of their lines); may go negative. */
export const SYSTEM_ACCOUNT_KINDS = [
  "custody_clearing",
  "platform_fee_income",
  "platform_marketing_expense",
  "withdrawal_in_transit",
] as const;
/** A system account kind. */
export type SystemAccountKind = typeof SYSTEM_ACCOUNT_KINDS[number];

/** Every account kind. */
export type LedgerAccountKind = UserAccountKind | SystemAccountKind;

/** Which account a line posts to. */
export type AccountRef =
  | { kind: UserAccountKind; userId: string }
  | { kind: SystemAccountKind };

/** Chinese names of the account kinds. */
export const ACCOUNT_KIND_LABELS: Readonly<Record<LedgerAccountKind, string>> = {
  user_available: "可用余额",
  user_frozen: "冻结金额",
  user_reward: "奖励金",
  custody_clearing: "存管清算户",
  platform_fee_income: "平台手续费收入",
  platform_marketing_expense: "平台营销费用",
  withdrawal_in_transit: "提现在途",
};

/** Every business type an entry may carry. */
export const BUSINESS_TYPES = [
  "top_up",
  "withdrawal_freeze",
  "withdrawal_settle",
  "withdrawal_return",
  "withdrawal_fee",
  "referral_reward",
  "freeze",
  "unfreeze",
  "transfer",
  "adjustment",
  "reversal",
  "bid_freeze",
  "bid_release",
  "loan_disbursement",
  "service_fee",
  "repayment",
  "prepayment_fee",
] as const;
/** A business type. */
export type BusinessType = typeof BUSINESS_TYPES[number];

/** Chinese names of the business types (transaction records, fund flows). */
export const BUSINESS_TYPE_LABELS: Readonly<Record<BusinessType, string>> = {
  top_up: "充值",
  withdrawal_freeze: "提现冻结",
  withdrawal_settle: "提现",
  withdrawal_return: "提现退回",
  withdrawal_fee: "提现手续费",
  referral_reward: "邀请奖励",
  freeze: "冻结",
  unfreeze: "解冻",
  transfer: "转账",
  adjustment: "调账",
  reversal: "冲正",
  bid_freeze: "投标冻结",
  bid_release: "流标解冻",
  loan_disbursement: "放款",
  service_fee: "借款服务费",
  repayment: "还款/回款",
  prepayment_fee: "提前还款手续费",
};

/** Whether a string is a known business type. */
export function isBusinessType(value: string): value is BusinessType {
  return (BUSINESS_TYPES as readonly string[]).includes(value);
}

/** Whether an account kind is owned by a user. */
export function isUserAccountKind(kind: string): kind is UserAccountKind {
  return (USER_ACCOUNT_KINDS as readonly string[]).includes(kind);
}

/** Whether an account kind belongs to the platform. */
export function isSystemAccountKind(kind: string): kind is SystemAccountKind {
  return (SYSTEM_ACCOUNT_KINDS as readonly string[]).includes(kind);
}

/** A stable text key for an account reference (`user_available:42`, `custody_clearing:`). */
export function accountKey(ref: AccountRef): string {
  return `${ref.kind}:${"userId" in ref ? ref.userId : ""}`;
}
