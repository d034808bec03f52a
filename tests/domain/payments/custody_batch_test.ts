/**
 * Custody batches (domain/payments/custody_batch.ts) and the references of their lines (migration 0018:
 * checked once per statement instead of by three foreign keys per line): a batch carries its lines with
 * both sub-account numbers and its total; a line naming a missing user or instruction is refused, and so
 * is deleting a user or an instruction that lines name; a batch written in steps (open, lines, close) is
 * checked against the total it was opened with. Everything is rolled back at the end (the shared test
 * database must not keep instructions another test's relay would send to the sandbox bank).
 */
import assert from "node:assert/strict";
import { dbTest } from "../../helpers/db.ts";
import { custodyUser } from "../../helpers/repaying_loan.ts";
import { testOutbox } from "../../helpers/outbox.ts";
import { insertUser } from "../../jobs/fixtures.ts";
import { type Db, transaction, type Tx } from "../../../db/tx.ts";
import {
  appendCustodyBatchLines,
  closeCustodyBatch,
  createCustodyBatch,
  custodyBatchLines,
  openCustodyBatch,
} from "../../../domain/payments/custody_batch.ts";

const deps = { outbox: testOutbox };

/** Run `f` in a transaction that is always rolled back. */
async function inRolledBack(sql: Db, f: (tx: Tx) => Promise<void>): Promise<void> {
  await transaction(sql, async (tx, rollback) => {
    await f(tx);
    return rollback(undefined);
  });
}

/** What `f` threw inside a savepoint of `tx` (rolled back to it), or null. */
async function refusal(
  tx: Tx,
  f: (sp: Tx) => Promise<unknown>,
): Promise<{ code?: string; message?: string } | null> {
  try {
    await tx.savepoint((sp) => f(sp as unknown as Tx));
    return null;
  } catch (e) {
    return e as { code?: string; message?: string };
  }
}

const account = (userId: string) => `T${userId.padStart(12, "0")}`;

dbTest("custody batch: lines carry both sub-accounts; references are checked per statement", async (sql) => {
  const borrower = await custodyUser(sql);
  const a = await custodyUser(sql);
  const b = await custodyUser(sql);
  const loner = String((await insertUser(sql)).id);
  const [{ missingUser }] = await sql<{ missingUser: string }[]>`
    select (coalesce(max(id), 0) + 1000)::text as "missingUser" from users`;
  await inRolledBack(sql, async (tx) => {
    const key = `test-batch:${crypto.randomUUID()}`;
    const made = await createCustodyBatch(tx, {
      reference: "test",
      idempotencyKey: key,
      lines: [
        { fromUserId: borrower, toUserId: a, amountFen: 700n },
        { fromUserId: borrower, toUserId: b, amountFen: 300n },
        { fromUserId: borrower, toUserId: null, amountFen: 5n },
      ],
    }, deps);
    assert.ok(made.ok && !made.replayed);
    assert.deepEqual(await custodyBatchLines(tx, made.instructionId), [
      { fromAccountNo: account(borrower), toAccountNo: account(a), amountFen: 700n, fromFrozen: false },
      { fromAccountNo: account(borrower), toAccountNo: account(b), amountFen: 300n, fromFrozen: false },
      { fromAccountNo: account(borrower), toAccountNo: null, amountFen: 5n, fromFrozen: false },
    ]);
    const [row] = await tx<{ amount: bigint; userId: string }[]>`
      select amount_fen as amount, user_id::text as "userId" from custody_instructions
      where id = ${made.instructionId}`;
    assert.deepEqual({ ...row }, { amount: 1005n, userId: borrower });
    const again = await createCustodyBatch(tx, {
      reference: "test",
      idempotencyKey: key,
      lines: [{ fromUserId: borrower, toUserId: a, amountFen: 1n }],
    }, deps);
    assert.deepEqual(again, { ok: true, instructionId: made.instructionId, replayed: true });

    // a line naming a user or an instruction that does not exist is refused (foreign_key_violation)
    const badUser = await refusal(
      tx,
      (sp) =>
        sp`insert into custody_instruction_lines (instruction_id, line_no, from_user_id, to_user_id,
           from_account_no, to_account_no, amount_fen)
         values (${made.instructionId}, 10, ${borrower}, ${a}, 'X1', 'X2', 1),
                (${made.instructionId}, 11, ${borrower}, ${missingUser}, 'X1', 'X3', 1)`,
    );
    assert.equal(badUser?.code, "23503", String(badUser?.message));
    assert.match(String(badUser?.message), new RegExp(`user ${missingUser} does not exist`));
    const badInstruction = await refusal(
      tx,
      (sp) =>
        sp`insert into custody_instruction_lines (instruction_id, line_no, from_user_id, to_user_id,
           from_account_no, to_account_no, amount_fen)
         values (${BigInt(made.instructionId) + 1_000_000n}, 1, null, ${a}, null, 'X2', 1)`,
    );
    assert.equal(badInstruction?.code, "23503", String(badInstruction?.message));
    // … and so is an update pointing a line elsewhere
    const badUpdate = await refusal(
      tx,
      (sp) =>
        sp`update custody_instruction_lines set to_user_id = ${missingUser}
         where instruction_id = ${made.instructionId} and line_no = 1`,
    );
    assert.equal(badUpdate?.code, "23503", String(badUpdate?.message));

    // deleting what lines name is refused; a user no line names can go
    const named = await refusal(tx, async (sp) => {
      await sp`insert into custody_instruction_lines (instruction_id, line_no, from_user_id, to_user_id,
          from_account_no, to_account_no, amount_fen)
        values (${made.instructionId}, 4, ${borrower}, ${loner}, ${account(borrower)}, 'L1', 1)`;
      await sp`delete from users where id = ${loner}`;
    });
    assert.equal(named?.code, "23503", String(named?.message));
    assert.match(String(named?.message), /is named by custody batch lines/);
    const instruction = await refusal(
      tx,
      (sp) => sp`delete from custody_instructions where id = ${made.instructionId}`,
    );
    assert.equal(instruction?.code, "23503", String(instruction?.message));
    assert.equal(await refusal(tx, (sp) => sp`delete from users where id = ${loner}`), null);
  });
});

dbTest("custody batch in steps: open, lines, close checks numbering and total", async (sql) => {
  const borrower = await custodyUser(sql);
  const a = await custodyUser(sql);
  const stranger = String((await insertUser(sql)).id); // no sub-account
  const open = (tx: Tx, totalFen: bigint, key = crypto.randomUUID()) =>
    openCustodyBatch(tx, { reference: "test", idempotencyKey: `test-steps:${key}`, totalFen });
  await inRolledBack(sql, async (tx) => {
    // lines that sum to the total, numbered 1…n: closed, the instruction names the first payer
    const key = crypto.randomUUID();
    const opened = await open(tx, 1000n, key);
    assert.equal(opened.replayed, false);
    assert.deepEqual(
      await appendCustodyBatchLines(tx, opened.instructionId, 1, [
        { fromUserId: borrower, toUserId: a, amountFen: 990n },
      ]),
      { ok: true },
    );
    assert.deepEqual(
      await appendCustodyBatchLines(tx, opened.instructionId, 2, [
        { fromUserId: borrower, toUserId: null, amountFen: 10n },
      ]),
      { ok: true },
    );
    assert.equal(await closeCustodyBatch(tx, opened.instructionId, deps), 2);
    const [row] = await tx<{ userId: string; accountNo: string; n: bigint }[]>`
      select user_id::text as "userId", account_no as "accountNo",
        (select count(*) from outbox_events where dedupe_key = ${
      "custody.instruction:" + opened.instructionId
    })
          as n
      from custody_instructions where id = ${opened.instructionId}`;
    assert.deepEqual({ ...row }, { userId: borrower, accountNo: account(borrower), n: 1n });
    assert.deepEqual(await open(tx, 1000n, key), { instructionId: opened.instructionId, replayed: true });

    // a user without a sub-account: refused, nothing written by that call
    const other = await open(tx, 5n);
    assert.deepEqual(
      await appendCustodyBatchLines(tx, other.instructionId, 1, [
        { fromUserId: borrower, toUserId: stranger, amountFen: 5n },
      ]),
      { ok: false, code: "no_custody_account", userId: stranger },
    );
    assert.deepEqual(await custodyBatchLines(tx, other.instructionId), []);
    // lines short of the total, or with a gap in their numbers: close throws
    const short = await refusal(tx, async (sp) => {
      const o = await open(sp, 1000n);
      await appendCustodyBatchLines(sp, o.instructionId, 1, [{
        fromUserId: borrower,
        toUserId: a,
        amountFen: 999n,
      }]);
      await closeCustodyBatch(sp, o.instructionId, deps);
    });
    assert.match(String(short?.message), /sum to 999, not 1000/);
    const gap = await refusal(tx, async (sp) => {
      const o = await open(sp, 1000n);
      await appendCustodyBatchLines(sp, o.instructionId, 2, [{
        fromUserId: borrower,
        toUserId: a,
        amountFen: 1000n,
      }]);
      await closeCustodyBatch(sp, o.instructionId, deps);
    });
    assert.match(String(gap?.message), /1 lines numbered up to 2/);
  });
});
