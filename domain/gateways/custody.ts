/**
 * The custody bank (银行存管) as the domain sees it. The bank — not our ledger — holds the cash: every user
 * has a sub-account there, and every movement of money is an *instruction* to the bank (top-up credit,
 * freeze, unfreeze, transfer between sub-accounts, withdrawal), which the bank confirms later by an
 * asynchronous signed callback to `POST /api/callbacks/custody` (see {@link CustodyCallbackBody} and
 * domain/payments/callback_signature.ts for the signature format). Once a day the bank publishes a
 * statement, which the reconciliation job compares with the ledger.
 *
 * Implementations live in `integrations/` (today the sandbox, integrations/sandbox_custody.ts). Only the
 * outbox relay calls {@link CustodyGateway.openAccount} and {@link CustodyGateway.submitInstruction}
 * (after the transaction that asked for them has committed); {@link CustodyGateway.verifyCard} is a
 * *check* and may be called before a transaction opens.
 *
 * Sandbox rules (documented for tests and the demo):
 * - `openAccount` always opens (idempotent per user: a repeat answers the same account number), except when
 *   the real name is 「开户失败」 → `{ ok: false, code: "rejected" }`.
 * - `verifyCard` (四要素验证) passes any 16–19 digit Luhn-valid card number with a valid mainland reserved
 *   phone, except: a card number starting with `4` or `5` (foreign credit card BINs) → `unsupported_bank`;
 *   a reserved phone ending in `0000` → `mismatch` (预留手机号不符); a card number ending in `0000` →
 *   `mismatch`; a card number ending in `9999` → `unavailable`.
 * - Instructions are executed at once on the sandbox's own tables and confirmed by a signed HTTP callback
 *   after a configurable delay (optionally duplicated and reordered, for tests).
 * @module
 */
import type { Fen } from "../money/fen.ts";
import type { GatewayPingResult } from "./ping.ts";

/** Opening a custody sub-account for a verified user. */
export interface OpenCustodyAccountInput {
  /** Idempotency key of the request (the outbox event's key). */
  requestId: string;
  userId: string;
  realName: string;
  idNumber: string;
  /** Mainland mobile number, 11 digits. */
  phone: string;
}

/**
 * - `ok`: the sub-account is open (`accountNo` is the bank's number for it; a repeat answers the same);
 * - `rejected`: the bank refuses to open it (final);
 * - `unavailable`: the bank could not be reached — retry later.
 */
export type OpenCustodyAccountResult =
  | { ok: true; accountNo: string }
  | { ok: false; code: "rejected" | "unavailable"; message: string };

/** The bank card four-element check (四要素: name, ID number, card number, reserved phone). */
export interface VerifyCardInput {
  realName: string;
  idNumber: string;
  /** Digits only. */
  cardNumber: string;
  /** Mainland mobile number, 11 digits. */
  reservedPhone: string;
}

/**
 * - `mismatch`: the four elements do not belong together (final for this input);
 * - `unsupported_bank`: the bank does not accept this card (e.g. a credit card);
 * - `unavailable`: the bank could not be reached — try again later.
 */
export type VerifyCardResult =
  | { ok: true }
  | { ok: false; code: "mismatch" | "unsupported_bank" | "unavailable"; message: string };

/** The kinds of instruction the bank executes. */
export type CustodyInstructionKind =
  | "top_up"
  | "freeze"
  | "unfreeze"
  | "transfer"
  | "withdrawal"
  | "batch_transfer";

/**
 * One transfer of a `batch_transfer` instruction. A null account is the platform's own account at the
 * bank. `fromFrozen`: the payer's money is taken from its frozen part (a disbursement of frozen bids).
 */
export interface CustodyBatchLine {
  fromAccountNo: string | null;
  toAccountNo: string | null;
  amountFen: Fen;
  fromFrozen: boolean;
}

/** One instruction as sent to the bank. */
export interface CustodyInstructionRequest {
  /** Our instruction id — the bank's idempotency key: submitting it again executes nothing twice. */
  instructionId: string;
  kind: CustodyInstructionKind;
  /** The sub-account the instruction acts on (for `transfer`: the payer). */
  accountNo: string;
  /** `transfer` only: the payee's sub-account. */
  counterpartyAccountNo?: string | null;
  /** Positive. */
  amountFen: Fen;
  /** Our business reference (e.g. `top_up_order:12`, `withdrawal:5`), echoed in the statement. */
  reference: string;
  /**
   * `batch_transfer` only: the transfers, executed all or none (`amountFen` is their sum; `accountNo` is
   * informational).
   */
  lines?: readonly CustodyBatchLine[];
}

/**
 * Answer to a submission. `accepted` means the bank took it; its *outcome* arrives by callback.
 * - `unknown_account`: no such sub-account (final);
 * - `unavailable`: the bank could not be reached — retry later (same instruction id).
 */
export type SubmitInstructionResult =
  | { ok: true; bankReference: string }
  | { ok: false; code: "unknown_account" | "unavailable"; message: string };

/**
 * The JSON body of a custody callback (`POST /api/callbacks/custody`), signed as described in
 * domain/payments/callback_signature.ts.
 * - `callbackId`: unique per callback *event* (a redelivery repeats the same id);
 * - `status`: `succeeded` (executed) or `failed` (`failureCode`: `insufficient_funds`, `account_frozen`,
 *   `rejected`).
 */
export interface CustodyCallbackBody {
  callbackId: string;
  instructionId: string;
  bankReference: string;
  kind: CustodyInstructionKind;
  status: "succeeded" | "failed";
  failureCode: string | null;
  amountFen: string;
  /** ISO time the bank executed it. */
  executedAt: string;
}

/** One movement on a sub-account in the daily statement. */
export interface CustodyStatementMovement {
  bankReference: string;
  instructionId: string;
  accountNo: string;
  kind: CustodyInstructionKind | "adjustment";
  /** Signed: + credits the sub-account, − debits it (`freeze`/`unfreeze` move 0 of the total). */
  amountFen: Fen;
  executedAt: Date;
}

/** The bank's statement of one day (Asia/Shanghai calendar day, `YYYY-MM-DD`). */
export interface CustodyStatement {
  date: string;
  /** Each sub-account's balance at the end of the day (total, frozen included) and its frozen part. */
  accounts: { accountNo: string; balanceFen: Fen; frozenFen: Fen }[];
  movements: CustodyStatementMovement[];
}

/** The custody bank. */
export interface CustodyGateway {
  /** A short name for logs and the system status page (`sandbox`, …). */
  readonly name: string;
  openAccount(input: OpenCustodyAccountInput): Promise<OpenCustodyAccountResult>;
  verifyCard(input: VerifyCardInput): Promise<VerifyCardResult>;
  submitInstruction(instruction: CustodyInstructionRequest): Promise<SubmitInstructionResult>;
  /** The statement of `date` (`YYYY-MM-DD`, Asia/Shanghai); a day still running shows its balances now. */
  dailyStatement(date: string): Promise<CustodyStatement>;
  /** Health check for 第三方设置 → 测试连接 (moves nothing). */
  ping?(): Promise<GatewayPingResult>;
  /** Sandbox controls (tests and the demo); absent with a real bank. */
  readonly sandbox?: CustodySandboxControl;
}

/** How the sandbox delivers callbacks (tests change it). */
export interface CallbackDeliveryOptions {
  /** Delay before each callback is delivered (default 200 ms; 0 = on the next tick). */
  delayMs: number;
  /** Each callback is delivered this many times in all (default 1; 1–5 for replay tests). */
  copies: number;
  /** Deliver due callbacks in a random order instead of their creation order. */
  shuffle: boolean;
  /** `false`: nothing is delivered until {@link CustodySandboxControl.deliverDue} is called. */
  auto: boolean;
}

/** What the sandbox bank shows on `/dev/bank`. */
export interface SandboxBankOverview {
  accounts: { accountNo: string; userId: string | null; balanceFen: Fen; frozenFen: Fen; openedAt: Date }[];
  movements: {
    bankReference: string;
    instructionId: string | null;
    accountNo: string;
    kind: string;
    amountFen: Fen;
    frozenDeltaFen: Fen;
    executedAt: Date;
  }[];
  /** Callbacks (bank and channels) not yet answered 2xx. */
  undeliveredCallbacks: number;
}

/** Sandbox controls of the custody bank. */
export interface CustodySandboxControl {
  /** Change how callbacks are delivered (only the given fields). */
  configureDelivery(options: Partial<CallbackDeliveryOptions>): void;
  /** Where callbacks are POSTed (the app's origin, e.g. `http://127.0.0.1:8000`). */
  setCallbackOrigin(origin: string): void;
  /**
   * Deliver every callback that is due now (all of them with `all`; only those of the given instruction ids
   * or merchant order numbers with `keys`); returns how many POSTs answered 2xx.
   */
  deliverDue(options?: { all?: boolean; keys?: string[] }): Promise<number>;
  /** A sub-account's balance (total, frozen part), or null when there is none. */
  account(accountNo: string): Promise<{ balanceFen: Fen; frozenFen: Fen; userId: string | null } | null>;
  /** The sub-account of a user, or null. */
  accountNoOf(userId: string): Promise<string | null>;
  /** The bank's books for the demo page `/dev/bank`: sub-accounts, latest movements, undelivered callbacks. */
  overview(limit?: number): Promise<SandboxBankOverview>;
  /** Book a movement on the bank's side only (an injected difference, for reconciliation tests). */
  injectAdjustment(accountNo: string, amountFen: Fen, at?: Date): Promise<void>;
}
