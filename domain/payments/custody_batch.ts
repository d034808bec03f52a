/**
 * Custody batch instructions (批量转账指令): one instruction to the custody bank carrying many transfers
 * between sub-accounts, executed by the bank all or none — a disbursement (every investor → the borrower,
 * the borrower → the platform's fee) or a repayment (the borrower → every investor, fees → the platform).
 *
 * Like every instruction ({@link createCustodyInstruction}), the batch is written in the caller's
 * transaction (a `custody_instructions` row of kind `batch_transfer`, its transfers in
 * `custody_instruction_lines`, the outbox event `custody.instruction`), submitted by the outbox relay after
 * the commit and confirmed by the bank's callback. The ledger is booked by the command that creates the
 * batch; the callback only marks the instruction confirmed, and the daily reconciliation counts a batch the
 * bank has not executed yet as in transit, line by line (domain/payments/reconciliation.ts).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import type { Queryable, Tx } from "../../db/tx.ts";
import type { CustodyBatchLine } from "../gateways/custody.ts";
import type { Fen } from "../money/fen.ts";
import { createCustodyInstructionEvent, CUSTODY_INSTRUCTION_TOPIC } from "./custody_instruction.ts";

/** Most transfers in one batch. */
export const MAX_BATCH_LINES = 100_000;

/** The account number a batch shows when its first payer is the platform. */
export const PLATFORM_ACCOUNT_LABEL = "PLATFORM";

/** One transfer of a batch. A null user is the platform's own account. */
export interface CustodyBatchLineInput {
  fromUserId: string | null;
  toUserId: string | null;
  /** Positive. */
  amountFen: Fen;
  /** Take the payer's money from its frozen part (default false). */
  fromFrozen?: boolean;
}

/** What {@link createCustodyBatch} needs. */
export interface CustodyBatchInput {
  /** The cause, e.g. `loan_disbursement:12`, `loan_repayment:34`. */
  reference: string;
  /** Unique across instructions: a repeat writes nothing and answers the first batch. */
  idempotencyKey: string;
  lines: readonly CustodyBatchLineInput[];
}

/** Outcome of {@link createCustodyBatch}. `no_custody_account`: a user of a line has no open sub-account. */
export type CreateCustodyBatchResult =
  | { ok: true; instructionId: string; replayed: boolean }
  | { ok: false; code: "no_custody_account"; userId: string };

function checkBatch(input: CustodyBatchInput): void {
  if (input.lines.length < 1 || input.lines.length > MAX_BATCH_LINES) {
    throw new RangeError(`a custody batch needs 1–${MAX_BATCH_LINES} lines`);
  }
  for (const key of [input.reference, input.idempotencyKey]) {
    if (typeof key !== "string" || key.length < 1 || key.length > 200) {
      throw new RangeError("reference and idempotencyKey must be 1–200 characters");
    }
  }
  for (const line of input.lines) {
    if (typeof line.amountFen !== "bigint" || line.amountFen <= 0n) {
      throw new RangeError("every batch line needs a positive bigint amount");
    }
    if (line.fromUserId === line.toUserId) throw new RangeError("a batch line cannot pay its own account");
    for (const id of [line.fromUserId, line.toUserId]) {
      if (id !== null && !/^[1-9][0-9]{0,18}$/.test(id)) throw new RangeError("bad user id in batch line");
    }
    if (line.fromFrozen && line.fromUserId === null) {
      throw new RangeError("the platform's account has no frozen part");
    }
  }
}

/**
 * Write one batch instruction (its transfers and its outbox event) inside the caller's transaction.
 * Pass the app's outbox in `deps` (it wakes the relay after the commit).
 *
 * @throws {RangeError} for a malformed batch (no lines, a non-positive amount, a line paying itself).
 */
export async function createCustodyBatch(
  tx: Tx,
  input: CustodyBatchInput,
  deps?: { outbox: Outbox },
): Promise<CreateCustodyBatchResult> {
  checkBatch(input);
  const [prior] = await tx<{ id: string }[]>`
    select id::text as id from custody_instructions where idempotency_key = ${input.idempotencyKey}`;
  if (prior) return { ok: true, instructionId: prior.id, replayed: true };
  const userIds = [
    ...new Set(input.lines.flatMap((l) => [l.fromUserId, l.toUserId]).filter((u): u is string => u !== null)),
  ];
  const accounts = new Map<string, string>();
  if (userIds.length > 0) {
    const rows = await tx<{ userId: string; accountNo: string }[]>`
      select user_id::text as "userId", account_no as "accountNo" from custody_accounts
      where user_id = any(${userIds}::bigint[]) and status = 'open' and account_no is not null`;
    for (const r of rows) accounts.set(r.userId, r.accountNo);
  }
  const missing = userIds.find((u) => !accounts.has(u));
  if (missing) return { ok: false, code: "no_custody_account", userId: missing };
  const accountOf = (userId: string | null) => userId === null ? null : accounts.get(userId)!;
  const total = input.lines.reduce((sum, l) => sum + l.amountFen, 0n);
  const first = accountOf(input.lines[0].fromUserId) ?? PLATFORM_ACCOUNT_LABEL;
  const [row] = await tx<{ id: string }[]>`
    insert into custody_instructions (kind, user_id, account_no, amount_fen, reference, idempotency_key)
    values ('batch_transfer', ${input.lines[0].fromUserId}, ${first}, ${total}, ${input.reference},
            ${input.idempotencyKey})
    on conflict (idempotency_key) do nothing
    returning id::text as id`;
  if (!row) {
    const [raced] = await tx<{ id: string }[]>`
      select id::text as id from custody_instructions where idempotency_key = ${input.idempotencyKey}`;
    return { ok: true, instructionId: raced.id, replayed: true };
  }
  await tx`
    insert into custody_instruction_lines
      (instruction_id, line_no, from_user_id, to_user_id, from_account_no, to_account_no, from_frozen, amount_fen)
    select ${row.id}, n, f, t, fa, ta, z::boolean, a
    from unnest(${input.lines.map((l) => l.fromUserId)}::bigint[], ${
    input.lines.map((l) => l.toUserId)
  }::bigint[],
      ${input.lines.map((l) => accountOf(l.fromUserId))}::text[], ${
    input.lines.map((l) => accountOf(l.toUserId))
  }::text[],
      ${input.lines.map((l) => l.fromFrozen === true ? "true" : "false")}::text[], ${
    input.lines.map((l) => l.amountFen.toString())
  }::bigint[])
      with ordinality as x(f, t, fa, ta, z, a, n)`;
  await createCustodyInstructionEvent(tx, row.id, deps);
  return { ok: true, instructionId: row.id, replayed: false };
}

/** The transfers of a batch instruction, in order (for the bank submission and the admin views). */
export async function custodyBatchLines(db: Queryable, instructionId: string): Promise<CustodyBatchLine[]> {
  const rows = await db<
    { fromAccountNo: string | null; toAccountNo: string | null; amountFen: bigint; fromFrozen: boolean }[]
  >`
    select from_account_no as "fromAccountNo", to_account_no as "toAccountNo", amount_fen as "amountFen",
           from_frozen as "fromFrozen"
    from custody_instruction_lines where instruction_id = ${instructionId} order by line_no`;
  return rows.map((r) => ({ ...r, amountFen: BigInt(r.amountFen) }));
}

export { CUSTODY_INSTRUCTION_TOPIC };
