/**
 * The one door for database changes: the handle types every module uses, and the only place that opens a
 * transaction.
 *
 * Rule of the house (README "The door"): a **command** — a top-level domain operation such as
 * `registerUser`, `loginUser`, `setStaffStatus` — is the only code that calls {@link transaction}.
 * Everything beneath a command takes the {@link Tx} it was given. Routes and jobs call commands; they never
 * open a transaction. Inside a transaction use only its handle: against the embedded database postgres.js
 * has one connection, so a stray query on the outer handle waits forever; against real Postgres it would
 * silently run outside the transaction.
 *
 * A command ends its transaction in one of three ways:
 * - it returns a value: commit, and the value is the command's result;
 * - it returns `rollback(result)`: roll back everything, and `result` is the command's result (a typed
 *   business outcome such as `{ ok: false, code: "phone_taken" }`);
 * - it throws: roll back, and the error propagates (a bug or an outage, never a business outcome).
 *
 * Work that must happen only once the change is durable (waking the outbox relay) is registered with
 * {@link afterCommit}; it runs after the commit and never inside the transaction.
 * @module
 */
import type postgres from "postgres";

/** The database handle outside any transaction (postgres.js `Sql`). Commands receive this. */
// deno-lint-ignore no-explicit-any
export type Db = postgres.Sql<any>;

/** A transaction handle, as {@link transaction} passes it. Everything beneath a command takes this. */
// deno-lint-ignore no-explicit-any
export type Tx = postgres.TransactionSql<any>;

/** Either handle: for read-only queries that are correct inside or outside a transaction. */
export type Queryable = Db | Tx;

/** Ends the transaction with a rollback and makes `result` the outcome of {@link transaction}. */
export type Rollback<R> = (result: R) => never;

/** The marker a {@link Rollback} throws; private, so nothing else can catch or fake it. */
class RollbackSignal {
  constructor(readonly result: unknown) {}
}

type Hook = () => void | Promise<void>;
/** After-commit hooks of the transactions in flight (keyed by the handle; gone with it). */
const hooksByTx = new WeakMap<Tx, Hook[]>();
/** Transactions this process has committed through {@link transaction}. */
let commitCount = 0;

/**
 * How many transactions this process has committed through {@link transaction} so far. A cache of
 * something read from the database compares it with the count when its read started: unchanged means no
 * change by this process since (the hall's version clock, domain/lending/hall.ts, sees its own writes at
 * once this way).
 */
export function committedTransactions(): number {
  return commitCount;
}

/**
 * Run `fn` in one transaction on `db` and return its outcome (see the module doc for commit, rollback and
 * errors). After a commit, the hooks registered with {@link afterCommit} run in order; a failing hook is
 * logged and does not change the outcome (what it does must be recoverable, as the outbox's catch-up poll
 * recovers a lost wake-up).
 *
 * @throws whatever `fn` throws (after the rollback)
 */
export async function transaction<R>(db: Db, fn: (tx: Tx, rollback: Rollback<R>) => Promise<R>): Promise<R> {
  let hooks: Hook[] | undefined;
  let result: R;
  try {
    result = await db.begin(async (tx) => {
      const rollback: Rollback<R> = (value) => {
        throw new RollbackSignal(value);
      };
      try {
        return await fn(tx, rollback) as R;
      } finally {
        hooks = hooksByTx.get(tx);
        hooksByTx.delete(tx);
      }
    }) as R;
  } catch (error) {
    if (error instanceof RollbackSignal) return error.result as R;
    throw error;
  }
  commitCount++;
  for (const hook of hooks ?? []) {
    try {
      await hook();
    } catch (error) {
      console.error(JSON.stringify({
        level: "error",
        msg: "after_commit_hook_failed",
        error: error instanceof Error ? error.message : String(error),
      }));
    }
  }
  return result;
}

/**
 * Run `hook` once `tx` has committed (never if it rolls back). For wake-ups of work that is already
 * recorded durably in the transaction; the hook must not be the only way that work happens.
 */
export function afterCommit(tx: Tx, hook: Hook): void {
  const list = hooksByTx.get(tx);
  if (list) list.push(hook);
  else hooksByTx.set(tx, [hook]);
}
