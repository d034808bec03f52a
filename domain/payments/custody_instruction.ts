/**
 * Instructions to the custody bank (存管指令) and the bank's confirmations.
 *
 * 1. A money command writes the instruction with {@link createCustodyInstruction} in its own transaction
 *    (row in `custody_instructions` + outbox event `custody.instruction`), so the instruction exists
 *    exactly when the business change commits.
 * 2. The outbox relay submits it ({@link submitCustodyInstruction}: `gateways.custody.submitInstruction`
 *    with the instruction id as the bank's idempotency key) and records the bank's reference.
 * 3. The bank's signed callback (`POST /api/callbacks/custody`, verified by the route) is applied by
 *    {@link applyCustodyCallback}: in ONE transaction the callback id is recorded (unique — a redelivery
 *    changes nothing), the instruction is settled and its effect is applied by kind:
 *    - `top_up`: the ledger is credited (custody_clearing −X, user_available +X) and the order succeeds;
 *    - `withdrawal`: `applyWithdrawalOutcome` (domain/payments/withdrawal.ts) settles or returns the money;
 *    - `freeze`, `unfreeze`, `transfer`, `batch_transfer` (domain/payments/custody_batch.ts): the command
 *      that sent them already booked the ledger; the
 *      instruction is only marked confirmed (a failure shows in the daily reconciliation).
 * @module
 */
import type postgres from "postgres";
import { createOutbox, type Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { CustodyCallbackBody, CustodyGateway, CustodyInstructionKind } from "../gateways/custody.ts";
import type { Fen } from "../money/fen.ts";
import { applyWithdrawalOutcome } from "./withdrawal.ts";
import { settleTopUpAtBank } from "./top_up.ts";

/** Outbox topic that submits one instruction; payload `{ instructionId }`. */
export const CUSTODY_INSTRUCTION_TOPIC = "custody.instruction";

/** The instruction kinds. */
export const CUSTODY_INSTRUCTION_KINDS: readonly CustodyInstructionKind[] = [
  "top_up",
  "freeze",
  "unfreeze",
  "transfer",
  "withdrawal",
  "batch_transfer",
];

/** What {@link createCustodyInstruction} needs. */
export interface CustodyInstructionInput {
  kind: CustodyInstructionKind;
  /** The user whose sub-account the instruction acts on (for `transfer`: the payer). */
  userId: string;
  /** `transfer` only: the payee. */
  counterpartyUserId?: string;
  /** Positive. */
  amountFen: Fen;
  /** The cause, e.g. `top_up_order:12`, `withdrawal:5` (`withdrawal:<id>` is how the outcome finds it). */
  reference: string;
  /** Unique; default `<kind>:<reference>` (one instruction of a kind per cause). */
  idempotencyKey?: string;
}

/**
 * Outcome of {@link createCustodyInstruction}: `replayed` when the idempotency key existed (nothing new
 * was written). `no_custody_account`: the user (or the payee) has no open sub-account.
 */
export type CreateCustodyInstructionResult =
  | { ok: true; instructionId: string; replayed: boolean }
  | { ok: false; code: "no_custody_account" };

/** The open sub-account number of a user, or null. */
export async function openCustodyAccountNo(db: Queryable, userId: string): Promise<string | null> {
  const [row] = await db<{ accountNo: string }[]>`
    select account_no as "accountNo" from custody_accounts where user_id = ${userId} and status = 'open'`;
  return row?.accountNo ?? null;
}

/**
 * The statement that writes a new instruction on `userId`'s OPEN sub-account, returning its id — no row
 * when the user has no open sub-account or the key exists already. `id` may be taken beforehand from the
 * table's identity sequence (placeBid does, to publish the instruction's event in the same round trip);
 * else the sequence gives it here. Writes no outbox event: see {@link createCustodyInstructionEvent}. A
 * fragment: {@link createCustodyInstruction} awaits it; placeBid embeds it in its one write statement.
 */
export function insertCustodyInstruction(
  tx: Tx,
  i: {
    id?: string;
    kind: CustodyInstructionKind;
    userId: string;
    counterpartyAccountNo?: string | null;
    amountFen: Fen;
    reference: string;
    idempotencyKey: string;
  },
): postgres.PendingQuery<{ id: string }[]> {
  return tx<{ id: string }[]>`
    insert into custody_instructions
      (id, kind, user_id, account_no, counterparty_account_no, amount_fen, reference, idempotency_key)
    overriding system value
    select coalesce(${i.id ?? null}::bigint, nextval(pg_get_serial_sequence('custody_instructions', 'id'))),
      ${i.kind}, ${i.userId}, account_no, ${i.counterpartyAccountNo ?? null}, ${i.amountFen}, ${i.reference},
      ${i.idempotencyKey}
    from custody_accounts where user_id = ${i.userId} and status = 'open'
    on conflict (idempotency_key) do nothing
    returning id`;
}

/**
 * Write one instruction and its outbox event inside the caller's transaction. Pass the app's outbox in
 * `deps` (it wakes the relay after the commit); without it the event is written the same way and found by
 * the relay's catch-up poll.
 *
 * @throws {RangeError} for a non-positive amount or a transfer without payee (programming errors).
 */
export async function createCustodyInstruction(
  tx: Tx,
  input: CustodyInstructionInput,
  deps?: { outbox: Outbox },
): Promise<CreateCustodyInstructionResult> {
  if (typeof input.amountFen !== "bigint" || input.amountFen <= 0n) {
    throw new RangeError("custody instruction amount must be a positive bigint");
  }
  if (input.kind === "transfer" && !input.counterpartyUserId) {
    throw new RangeError("a transfer needs counterpartyUserId");
  }
  const key = input.idempotencyKey ?? `${input.kind}:${input.reference}`;
  const [prior] = await tx<
    { id: string }[]
  >`select id from custody_instructions where idempotency_key = ${key}`;
  if (prior) return { ok: true, instructionId: prior.id, replayed: true };
  let counterparty: string | null = null;
  if (input.kind === "transfer") {
    counterparty = await openCustodyAccountNo(tx, input.counterpartyUserId!);
    if (!counterparty) return { ok: false, code: "no_custody_account" };
  }
  const [row] = await insertCustodyInstruction(tx, {
    kind: input.kind,
    userId: input.userId,
    counterpartyAccountNo: counterparty,
    amountFen: input.amountFen,
    reference: input.reference,
    idempotencyKey: key,
  });
  if (!row) {
    // no open sub-account, or the key was written meanwhile by a concurrent command that committed first
    const [raced] = await tx<
      { id: string }[]
    >`select id from custody_instructions where idempotency_key = ${key}`;
    if (!raced) return { ok: false, code: "no_custody_account" };
    return { ok: true, instructionId: raced.id, replayed: true };
  }
  await createCustodyInstructionEvent(tx, row.id, deps);
  return { ok: true, instructionId: row.id, replayed: false };
}

/** Publish the outbox event that submits instruction `instructionId` (inside the caller's transaction). */
export async function createCustodyInstructionEvent(
  tx: Tx,
  instructionId: string,
  deps?: { outbox: Outbox },
): Promise<void> {
  await (deps?.outbox ?? pollOnlyOutbox).publish(tx, {
    topic: CUSTODY_INSTRUCTION_TOPIC,
    payload: { instructionId },
    dedupeKey: `${CUSTODY_INSTRUCTION_TOPIC}:${instructionId}`,
  });
}

/** An outbox without wake-up (the event carries no secret): the relay's catch-up poll delivers it. */
const pollOnlyOutbox: Outbox = createOutbox({
  box: {
    encrypt: () => Promise.reject(new Error("custody instruction events carry no secret")),
    decrypt: () => Promise.reject(new Error("custody instruction events carry no secret")),
  },
});

/** One instruction as stored. */
export interface CustodyInstructionRow {
  id: string;
  kind: CustodyInstructionKind;
  userId: string | null;
  accountNo: string;
  counterpartyAccountNo: string | null;
  amountFen: Fen;
  reference: string;
  status: "pending" | "submitted" | "succeeded" | "failed";
  bankReference: string | null;
  failureCode: string | null;
  createdAt: Date;
}

/** An instruction by id, or null. */
export async function findCustodyInstruction(
  db: Queryable,
  id: string,
): Promise<CustodyInstructionRow | null> {
  const [row] = await db<CustodyInstructionRow[]>`
    select id, kind, user_id as "userId", account_no as "accountNo",
           counterparty_account_no as "counterpartyAccountNo", amount_fen as "amountFen", reference, status,
           bank_reference as "bankReference", failure_code as "failureCode", created_at as "createdAt"
    from custody_instructions where id = ${id}`;
  return row ? { ...row, amountFen: BigInt(row.amountFen) } : null;
}

/**
 * The outbox handler's work for one instruction: submit it to the bank (outside any transaction), then
 * record the acceptance. `retry`: the bank was unavailable — the relay tries again later. An instruction
 * the bank refuses outright (`unknown_account`) is settled as failed, as a failure callback would.
 */
export async function submitCustodyInstruction(
  db: Db,
  deps: { custody: CustodyGateway; outbox: Outbox },
  instructionId: string,
): Promise<{ ok: true } | { ok: false; retry: boolean; error: string }> {
  const instruction = await findCustodyInstruction(db, instructionId);
  if (!instruction) {
    return { ok: false, retry: false, error: `custody instruction ${instructionId} not found` };
  }
  if (instruction.status === "succeeded" || instruction.status === "failed") return { ok: true };
  // a batch carries its transfers (custody_instruction_lines, domain/payments/custody_batch.ts)
  const lines = instruction.kind === "batch_transfer"
    ? (await db<
      { fromAccountNo: string | null; toAccountNo: string | null; amountFen: bigint; fromFrozen: boolean }[]
    >`
      select from_account_no as "fromAccountNo", to_account_no as "toAccountNo", amount_fen as "amountFen",
             from_frozen as "fromFrozen"
      from custody_instruction_lines where instruction_id = ${instruction.id} order by line_no`)
      .map((l) => ({ ...l, amountFen: BigInt(l.amountFen) }))
    : undefined;
  const result = await deps.custody.submitInstruction({
    instructionId: instruction.id,
    kind: instruction.kind,
    accountNo: instruction.accountNo,
    counterpartyAccountNo: instruction.counterpartyAccountNo,
    amountFen: instruction.amountFen,
    reference: instruction.reference,
    ...(lines ? { lines } : {}),
  });
  if (result.ok) {
    await transaction(db, async (tx) => {
      await tx`update custody_instructions
               set status = 'submitted', submitted_at = now(), bank_reference = coalesce(bank_reference, ${result.bankReference})
               where id = ${instruction.id} and status = 'pending'`;
    });
    return { ok: true };
  }
  if (result.code === "unavailable") return { ok: false, retry: true, error: `custody: ${result.code}` };
  await transaction(db, async (tx) => {
    const [locked] = await tx<{ status: string }[]>`
      select status from custody_instructions where id = ${instruction.id} for update`;
    if (locked.status === "succeeded" || locked.status === "failed") return;
    await settleInstruction(tx, instruction, {
      status: "failed",
      failureCode: result.code,
      bankReference: null,
    }, deps);
  });
  return { ok: false, retry: false, error: `custody: ${result.code}` };
}

/**
 * Outcome of {@link applyCustodyCallback}:
 * - `applied`: the effect was applied now;
 * - `duplicate`: this callback id was applied before (nothing changed);
 * - `already_settled`: another callback settled the instruction before (recorded, nothing changed);
 * - `unknown_instruction`, `mismatch` (amount or kind differ from our instruction): nothing changed.
 */
export type ApplyCustodyCallbackResult =
  | { ok: true; outcome: "applied" | "duplicate" | "already_settled" }
  | { ok: false; code: "unknown_instruction" | "mismatch" };

/** Apply one verified custody callback exactly once (one transaction). */
export async function applyCustodyCallback(
  db: Db,
  body: CustodyCallbackBody,
  deps: { outbox: Outbox },
): Promise<ApplyCustodyCallbackResult> {
  return await transaction(db, async (tx, rollback) => {
    if (!/^[1-9][0-9]{0,18}$/.test(body.instructionId)) {
      return rollback({ ok: false, code: "unknown_instruction" });
    }
    const [instruction] = await tx<(CustodyInstructionRow)[]>`
      select id, kind, user_id as "userId", account_no as "accountNo",
             counterparty_account_no as "counterpartyAccountNo", amount_fen as "amountFen", reference, status,
             bank_reference as "bankReference", failure_code as "failureCode", created_at as "createdAt"
      from custody_instructions where id = ${body.instructionId} for update`;
    if (!instruction) return rollback({ ok: false, code: "unknown_instruction" });
    if (BigInt(instruction.amountFen).toString() !== body.amountFen || instruction.kind !== body.kind) {
      return rollback({ ok: false, code: "mismatch" });
    }
    const final = instruction.status === "succeeded" || instruction.status === "failed";
    const [recorded] = await tx<{ id: string }[]>`
      insert into custody_callbacks (source, callback_id, subject, outcome, body)
      values ('custody', ${body.callbackId}, ${"custody_instruction:" + instruction.id},
              ${final ? "already_settled" : body.status}, ${tx.json(JSON.parse(JSON.stringify(body)))})
      on conflict (source, callback_id) do nothing
      returning id`;
    if (!recorded) return { ok: true, outcome: "duplicate" } as const;
    if (final) return { ok: true, outcome: "already_settled" } as const;
    await settleInstruction(tx, { ...instruction, amountFen: BigInt(instruction.amountFen) }, {
      status: body.status,
      failureCode: body.failureCode,
      bankReference: body.bankReference,
    }, deps);
    return { ok: true, outcome: "applied" } as const;
  });
}

/** Settle an instruction that is not final yet, and apply its effect by kind (inside the caller's tx). */
async function settleInstruction(
  tx: Tx,
  instruction: CustodyInstructionRow,
  outcome: { status: "succeeded" | "failed"; failureCode: string | null; bankReference: string | null },
  deps: { outbox: Outbox },
): Promise<void> {
  await tx`update custody_instructions
           set status = ${outcome.status}, failure_code = ${outcome.failureCode},
               bank_reference = coalesce(${outcome.bankReference}, bank_reference), confirmed_at = now()
           where id = ${instruction.id}`;
  const [kindOfCause, causeId] = instruction.reference.split(":");
  switch (instruction.kind) {
    case "top_up":
      if (kindOfCause === "top_up_order" && causeId) {
        await settleTopUpAtBank(tx, {
          orderId: causeId,
          succeeded: outcome.status === "succeeded",
          failureCode: outcome.failureCode,
        }, deps);
      }
      break;
    case "withdrawal":
      // dispatch point of the withdrawal helper's command (domain/payments/withdrawal.ts)
      if (kindOfCause === "withdrawal" && causeId) {
        await applyWithdrawalOutcome(tx, {
          withdrawalId: causeId,
          outcome: outcome.status,
          bankReference: outcome.bankReference,
        }, deps);
      }
      break;
    default:
      // freeze / unfreeze / transfer: booked by the command that sent them; a failure is left for
      // the daily reconciliation (the bank's balance will differ) and logged.
      if (outcome.status === "failed") {
        console.error(JSON.stringify({
          level: "error",
          msg: "custody_instruction_failed",
          instructionId: instruction.id,
          kind: instruction.kind,
          failureCode: outcome.failureCode,
        }));
      }
  }
}
