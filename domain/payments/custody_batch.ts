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
 *
 * A batch of the daily settlement has tens of thousands of lines, most of them written by the settlement's
 * own set-based statement: {@link openCustodyBatch}, {@link appendCustodyBatchLines},
 * {@link closeCustodyBatch} write such a batch in steps and check it against the total it was opened with.
 * The lines' references (instruction, payer, payee) are checked once per statement by a trigger, not by a
 * foreign key per line (migration 0018).
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

const USER_ID = /^[1-9][0-9]{0,18}$/;

/** Check a batch (a settlement batch has 50,000 lines: one pass, ids checked once each); its user ids. */
function checkBatch(input: CustodyBatchInput): string[] {
  if (input.lines.length < 1 || input.lines.length > MAX_BATCH_LINES) {
    throw new RangeError(`a custody batch needs 1–${MAX_BATCH_LINES} lines`);
  }
  for (const key of [input.reference, input.idempotencyKey]) {
    if (typeof key !== "string" || key.length < 1 || key.length > 200) {
      throw new RangeError("reference and idempotencyKey must be 1–200 characters");
    }
  }
  const users = new Set<string>();
  for (const line of input.lines) {
    if (typeof line.amountFen !== "bigint" || line.amountFen <= 0n) {
      throw new RangeError("every batch line needs a positive bigint amount");
    }
    if (line.fromUserId === line.toUserId) throw new RangeError("a batch line cannot pay its own account");
    if (line.fromUserId !== null) users.add(line.fromUserId);
    if (line.toUserId !== null) users.add(line.toUserId);
    if (line.fromFrozen && line.fromUserId === null) {
      throw new RangeError("the platform's account has no frozen part");
    }
  }
  const ids = [...users];
  for (const id of ids) {
    if (typeof id !== "string" || !USER_ID.test(id)) throw new RangeError("bad user id in batch line");
  }
  return ids;
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
  const userIds = checkBatch(input);
  const [prior] = await tx<{ id: string }[]>`
    select id::text as id from custody_instructions where idempotency_key = ${input.idempotencyKey}`;
  if (prior) return { ok: true, instructionId: prior.id, replayed: true };
  const { accounts, missing } = await openAccounts(tx, userIds);
  if (missing) return { ok: false, code: "no_custody_account", userId: missing };
  const cols = lineColumns(input.lines, accounts);
  const first = cols.fromAccount[0] ?? PLATFORM_ACCOUNT_LABEL;
  const [row] = await tx<{ id: string }[]>`
    insert into custody_instructions (kind, user_id, account_no, amount_fen, reference, idempotency_key)
    values ('batch_transfer', ${input.lines[0].fromUserId}, ${first}, ${cols.totalFen}, ${input.reference},
            ${input.idempotencyKey})
    on conflict (idempotency_key) do nothing
    returning id::text as id`;
  if (!row) {
    const [raced] = await tx<{ id: string }[]>`
      select id::text as id from custody_instructions where idempotency_key = ${input.idempotencyKey}`;
    return { ok: true, instructionId: raced.id, replayed: true };
  }
  await insertLines(tx, row.id, 1, cols);
  await createCustodyInstructionEvent(tx, row.id, deps);
  return { ok: true, instructionId: row.id, replayed: false };
}

/** Batch lines as columns (one pass: a settlement batch has tens of thousands), with their total. */
interface LineColumns {
  from: (string | null)[];
  to: (string | null)[];
  fromAccount: (string | null)[];
  toAccount: (string | null)[];
  amount: string[];
  /** Positions (from 1) of the lines paid from the payer's frozen part. */
  frozen: number[];
  totalFen: Fen;
}

function lineColumns(lines: readonly CustodyBatchLineInput[], accounts: Map<string, string>): LineColumns {
  const accountOf = (userId: string | null) => userId === null ? null : accounts.get(userId)!;
  const n = lines.length;
  const c: LineColumns = {
    from: new Array(n),
    to: new Array(n),
    fromAccount: new Array(n),
    toAccount: new Array(n),
    amount: new Array(n),
    frozen: [],
    totalFen: 0n,
  };
  for (let k = 0; k < n; k++) {
    const l = lines[k];
    c.from[k] = l.fromUserId;
    c.to[k] = l.toUserId;
    c.fromAccount[k] = accountOf(l.fromUserId);
    c.toAccount[k] = accountOf(l.toUserId);
    c.amount[k] = l.amountFen.toString();
    c.totalFen += l.amountFen;
    if (l.fromFrozen === true) c.frozen.push(k + 1);
  }
  return c;
}

/** The open sub-accounts of `userIds`; the first user without one, if any. */
async function openAccounts(
  tx: Queryable,
  userIds: readonly string[],
): Promise<{ accounts: Map<string, string>; missing: string | undefined }> {
  const accounts = new Map<string, string>();
  if (userIds.length > 0) {
    const rows = await tx<{ userId: string; accountNo: string }[]>`
      select user_id::text as "userId", account_no as "accountNo" from custody_accounts
      where user_id = any(${userIds}::bigint[]) and status = 'open' and account_no is not null`;
    for (const r of rows) accounts.set(r.userId, r.accountNo);
  }
  return { accounts, missing: userIds.find((u) => !accounts.has(u)) };
}

/** Insert lines numbered from `firstLineNo` (one statement, the columns as arrays). */
async function insertLines(
  tx: Tx,
  instructionId: string,
  firstLineNo: number,
  c: LineColumns,
): Promise<void> {
  await tx`
    insert into custody_instruction_lines
      (instruction_id, line_no, from_user_id, to_user_id, from_account_no, to_account_no, from_frozen, amount_fen)
    select ${instructionId}, ${
    firstLineNo - 1
  }::int + x.n, x.f, x.t, x.fa, x.ta, x.n = any(${c.frozen}::int[]), x.a
    from unnest(${c.from}::bigint[], ${c.to}::bigint[], ${c.fromAccount}::text[], ${c.toAccount}::text[],
      ${c.amount}::bigint[]) with ordinality as x(f, t, fa, ta, a, n)`;
}

/**
 * A batch written in steps, for a caller that writes most of its lines itself with one set-based
 * `insert … select` into `custody_instruction_lines` (the daily settlement: a line per loan and investor,
 * straight from the claim rows it pays, never passing through the application):
 * {@link openCustodyBatch} writes the instruction with the total its lines will have;
 * the caller inserts lines numbered from 1 (every payer and payee with an open sub-account, whose number
 * the line carries — the statement-level reference check of migration 0018 still applies) and
 * {@link appendCustodyBatchLines} adds lines given here; {@link closeCustodyBatch} then checks that the
 * lines are numbered 1…n without gaps and sum to the total, names the first line's payer on the
 * instruction, and publishes the instruction's outbox event. All in the caller's transaction.
 */
export interface OpenCustodyBatchInput {
  /** The cause, e.g. `settlement:2026-12-01`. */
  reference: string;
  /** Unique across instructions. */
  idempotencyKey: string;
  /** What the lines will sum to (positive). */
  totalFen: Fen;
}

/**
 * Write the instruction of a batch whose lines come afterwards (see {@link OpenCustodyBatchInput}).
 * `replayed` when the key was used before: nothing is written, and the caller must not add lines.
 */
export async function openCustodyBatch(
  tx: Tx,
  input: OpenCustodyBatchInput,
): Promise<{ instructionId: string; replayed: boolean }> {
  for (const key of [input.reference, input.idempotencyKey]) {
    if (typeof key !== "string" || key.length < 1 || key.length > 200) {
      throw new RangeError("reference and idempotencyKey must be 1–200 characters");
    }
  }
  if (typeof input.totalFen !== "bigint" || input.totalFen <= 0n) {
    throw new RangeError("a batch's total must be a positive bigint");
  }
  const [row] = await tx<{ id: string }[]>`
    insert into custody_instructions (kind, user_id, account_no, amount_fen, reference, idempotency_key)
    values ('batch_transfer', null, ${PLATFORM_ACCOUNT_LABEL}, ${input.totalFen}, ${input.reference},
            ${input.idempotencyKey})
    on conflict (idempotency_key) do nothing
    returning id::text as id`;
  if (row) return { instructionId: row.id, replayed: false };
  const [prior] = await tx<{ id: string }[]>`
    select id::text as id from custody_instructions where idempotency_key = ${input.idempotencyKey}`;
  return { instructionId: prior.id, replayed: true };
}

/**
 * Add `lines` to an opened batch, numbered from `firstLineNo` (see {@link OpenCustodyBatchInput});
 * `no_custody_account` when a user of a line has no open sub-account (nothing written).
 *
 * @throws {RangeError} for a malformed line (a non-positive amount, a line paying itself).
 */
export async function appendCustodyBatchLines(
  tx: Tx,
  instructionId: string,
  firstLineNo: number,
  lines: readonly CustodyBatchLineInput[],
): Promise<{ ok: true } | { ok: false; code: "no_custody_account"; userId: string }> {
  if (lines.length === 0) return { ok: true };
  if (!Number.isInteger(firstLineNo) || firstLineNo < 1) throw new RangeError("line numbers start at 1");
  const userIds = checkBatch({ reference: "append", idempotencyKey: "append", lines });
  const { accounts, missing } = await openAccounts(tx, userIds);
  if (missing) return { ok: false, code: "no_custody_account", userId: missing };
  await insertLines(tx, instructionId, firstLineNo, lineColumns(lines, accounts));
  return { ok: true };
}

/**
 * Finish an opened batch (see {@link OpenCustodyBatchInput}): its lines must be numbered 1…n and sum to
 * the total it was opened with; the instruction then names the first line's payer, and its outbox event is
 * published. Returns the number of lines.
 *
 * @throws {Error} when the lines do not match the instruction (the caller's transaction must roll back).
 */
export async function closeCustodyBatch(
  tx: Tx,
  instructionId: string,
  deps?: { outbox: Outbox },
): Promise<number> {
  const [row] = await tx<{ n: bigint; last: number | null; total: Fen | null; amount: Fen }[]>`
    with s as (
      select count(*) as n, max(line_no) as last, sum(amount_fen)::bigint as total
      from custody_instruction_lines where instruction_id = ${instructionId}
    ), f as (
      select from_user_id, from_account_no from custody_instruction_lines
      where instruction_id = ${instructionId} and line_no = 1
    )
    update custody_instructions i
    set user_id = f.from_user_id, account_no = coalesce(f.from_account_no, ${PLATFORM_ACCOUNT_LABEL})
    from s left join f on true
    where i.id = ${instructionId} and i.kind = 'batch_transfer'
    returning s.n, s.last, s.total, i.amount_fen as amount`;
  if (!row) throw new Error(`custody batch ${instructionId} does not exist`);
  const lines = Number(row.n);
  if (lines === 0 || row.last !== lines || BigInt(row.total ?? 0n) !== BigInt(row.amount)) {
    throw new Error(
      `custody batch ${instructionId}: ${row.n} lines numbered up to ${row.last} sum to ${row.total}, ` +
        `not ${row.amount}`,
    );
  }
  await createCustodyInstructionEvent(tx, instructionId, deps);
  return lines;
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
