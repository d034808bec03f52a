/**
 * A move of money between two accounts of ONE user (available → frozen when a bid freezes its amount), as
 * SQL for the caller's own statement — for a command that must write its journal entry together with its
 * other rows in one round trip (placeBid, domain/lending/place_bid.ts). What it posts is exactly what
 * `postEntry` (./ledger.ts) posts for the entry `[from −x, to +x]`: the entry, the two lines in that order with the
 * balance after each, and the two balance rows moved. Tests: tests/domain/ledger/own_transfer_test.ts.
 * @module
 */
import type postgres from "postgres";
import type { Tx } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";
import type { BusinessType, UserAccountKind } from "./accounts.ts";

/** What {@link ownTransferCtes} moves and records. */
export interface OwnTransfer {
  userId: string;
  fromKind: UserAccountKind;
  toKind: UserAccountKind;
  /** Positive. */
  amountFen: Fen;
  businessType: BusinessType;
  reference: string;
  /** Unique across the ledger. A key posted before makes the insert of the entry fail (no silent replay). */
  idempotencyKey: string;
  memo: string | null;
}

/**
 * Three CTEs for the caller's `with` statement (a fragment: `tx\`with ${ownTransferCtes(tx, t)}, … select …\``):
 *
 * - `ledger_moved (id, kind, balance_fen)`: the two balance rows, each moved under its row lock and only if
 *   it stays ≥ 0 (both accounts must exist: the `to` account is created beforehand when missing);
 * - `ledger_entry (id)`: the journal entry, written only when both rows moved;
 * - `ledger_lines (id)`: its two lines (`from` first), written with the entry.
 *
 * The caller must read `(select count(*) from ledger_moved)` and ROLL BACK its transaction when it is not 2:
 * the `from` balance was short, and the `to` row may have moved alone.
 *
 * @throws {RangeError} for a non-positive amount or two equal accounts (programming errors).
 */
export function ownTransferCtes(tx: Tx, t: OwnTransfer): postgres.PendingQuery<postgres.Row[]> {
  if (typeof t.amountFen !== "bigint" || t.amountFen <= 0n) {
    throw new RangeError("own transfer amount must be a positive bigint");
  }
  if (t.fromKind === t.toKind) throw new RangeError("own transfer between one account and itself");
  const minus = -t.amountFen;
  return tx`
    ledger_moved as (
      update ledger_accounts a set balance_fen = a.balance_fen + v.delta
      from (values (${t.fromKind}, ${minus}::bigint), (${t.toKind}, ${t.amountFen}::bigint)) as v(kind, delta)
      where a.owner_user_id = ${t.userId} and a.kind = v.kind and a.balance_fen + v.delta >= 0
      returning a.id, a.kind, a.balance_fen
    ), ledger_entry as (
      insert into journal_entries (business_type, reference, idempotency_key, memo)
      select ${t.businessType}, ${t.reference}, ${t.idempotencyKey}, ${t.memo}
      where (select count(*) from ledger_moved) = 2
      returning id
    ), ledger_lines as (
      insert into journal_lines (entry_id, account_id, amount_fen, balance_after_fen)
      select ledger_entry.id, m.id, case when m.kind = ${t.fromKind} then ${minus}::bigint else ${t.amountFen}::bigint end,
        m.balance_fen
      from ledger_entry cross join ledger_moved m
      order by m.kind = ${t.toKind}
      returning id
    )`;
}
