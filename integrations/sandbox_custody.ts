/**
 * The sandbox custody bank: a stand-in for the real 存管银行 that keeps its OWN books
 * (`sandbox_bank_accounts`, `sandbox_bank_instructions`, `sandbox_bank_movements` — never our ledger),
 * executes instructions at once and confirms each by a signed HTTP callback (integrations/
 * sandbox_callbacks.ts). Its test rules (open-account and card check) are listed in
 * domain/gateways/custody.ts. Like every outside system it never joins our transactions: it uses its own.
 * @module
 */
import { type Db, transaction, type Tx } from "../db/tx.ts";
import type {
  CustodyCallbackBody,
  CustodyGateway,
  CustodyInstructionRequest,
  CustodyStatement,
  SubmitInstructionResult,
} from "../domain/gateways/custody.ts";
import type { Fen } from "../domain/money/fen.ts";
import { createSandboxCallbackQueue, type SandboxCallbackQueue } from "./sandbox_callbacks.ts";

/** The platform's own sub-account at the sandbox bank (fees, marketing). */
export const SANDBOX_PLATFORM_ACCOUNT_NO = "SBX-PLATFORM";

/** Luhn check of a digit string. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function accountNoFor(userId: string): string {
  return `SBX${userId.padStart(12, "0")}`;
}

/** When Asia/Shanghai's day `date` starts and ends (UTC instants). */
export function shanghaiDayBounds(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(from.getTime())) throw new RangeError(`invalid date ${date}`);
  return { from, to: new Date(from.getTime() + 24 * 3600 * 1000) };
}

/** The sandbox custody bank recording into `db`, calling back with `secret`. */
export function createSandboxCustody(
  db: Db,
  options: { secret: string; origin: string | null; delayMs: number; auto: boolean },
): CustodyGateway {
  const callbacks: SandboxCallbackQueue = createSandboxCallbackQueue(db, "custody", options.secret, options);

  async function execute(instruction: CustodyInstructionRequest): Promise<{
    result: SubmitInstructionResult;
    callback: CustodyCallbackBody | null;
  }> {
    return await transaction(db, async (tx) => {
      // one execution per instruction id, also when the same instruction is submitted concurrently
      await tx`select pg_advisory_xact_lock(hashtext(${"sandbox_bank:" + instruction.instructionId}))`;
      const [seen] = await tx<{ bankReference: string }[]>`
        select bank_reference as "bankReference" from sandbox_bank_instructions
        where instruction_id = ${instruction.instructionId}`;
      if (seen) return { result: { ok: true, bankReference: seen.bankReference }, callback: null };
      if (instruction.kind === "batch_transfer") return await executeBatch(tx, instruction);
      const accounts = [instruction.accountNo];
      if (instruction.kind === "transfer") {
        if (!instruction.counterpartyAccountNo) throw new RangeError("transfer needs a counterparty account");
        accounts.push(instruction.counterpartyAccountNo);
      }
      accounts.sort();
      const rows = await tx<{ accountNo: string; balanceFen: bigint; frozenFen: bigint }[]>`
        select account_no as "accountNo", balance_fen as "balanceFen", frozen_fen as "frozenFen"
        from sandbox_bank_accounts where account_no in ${tx(accounts)} order by account_no for update`;
      if (rows.length !== new Set(accounts).size) {
        return {
          result: { ok: false, code: "unknown_account", message: "存管账户不存在" } as const,
          callback: null,
        };
      }
      const self = rows.find((r) => r.accountNo === instruction.accountNo)!;
      const amount = BigInt(instruction.amountFen);
      const free = BigInt(self.balanceFen) - BigInt(self.frozenFen);
      let failure: string | null = null;
      // movements: [account, total change, frozen change]
      const moves: [string, bigint, bigint][] = [];
      switch (instruction.kind) {
        case "top_up":
          moves.push([self.accountNo, amount, 0n]);
          break;
        case "freeze":
          if (free < amount) failure = "insufficient_funds";
          else moves.push([self.accountNo, 0n, amount]);
          break;
        case "unfreeze":
          if (BigInt(self.frozenFen) < amount) failure = "insufficient_funds";
          else moves.push([self.accountNo, 0n, -amount]);
          break;
        case "withdrawal":
          // a withdrawal pays out the frozen money first (the platform froze it at request), then free money
          if (BigInt(self.balanceFen) < amount) failure = "insufficient_funds";
          else {
            const fromFrozen = BigInt(self.frozenFen) < amount ? BigInt(self.frozenFen) : amount;
            moves.push([self.accountNo, -amount, -fromFrozen]);
          }
          break;
        case "transfer":
          if (free < amount) failure = "insufficient_funds";
          else {
            moves.push([self.accountNo, -amount, 0n]);
            moves.push([instruction.counterpartyAccountNo!, amount, 0n]);
          }
          break;
      }
      const bankReference = `SBXB${Date.now().toString(36).toUpperCase()}${
        crypto.randomUUID().slice(0, 8).toUpperCase()
      }`;
      const [{ executedAt }] = await tx<{ executedAt: Date }[]>`
        insert into sandbox_bank_instructions
          (instruction_id, bank_reference, kind, account_no, counterparty_account_no, amount_fen, reference,
           status, failure_code)
        values (${instruction.instructionId}, ${bankReference}, ${instruction.kind}, ${instruction.accountNo},
                ${instruction.counterpartyAccountNo ?? null}, ${amount}, ${instruction.reference},
                ${failure ? "failed" : "succeeded"}, ${failure})
        returning executed_at as "executedAt"`;
      for (const [accountNo, delta, frozenDelta] of moves) {
        await tx`update sandbox_bank_accounts
                 set balance_fen = balance_fen + ${delta}, frozen_fen = frozen_fen + ${frozenDelta}
                 where account_no = ${accountNo}`;
        await tx`insert into sandbox_bank_movements
                   (bank_reference, instruction_id, account_no, kind, amount_fen, frozen_delta_fen, executed_at)
                 values (${bankReference}, ${instruction.instructionId}, ${accountNo}, ${instruction.kind},
                         ${delta}, ${frozenDelta}, ${executedAt})`;
      }
      const callback: CustodyCallbackBody = {
        callbackId: `cb-${bankReference}`,
        instructionId: instruction.instructionId,
        bankReference,
        kind: instruction.kind,
        status: failure ? "failed" : "succeeded",
        failureCode: failure,
        amountFen: amount.toString(),
        executedAt: new Date(executedAt).toISOString(),
      };
      return { result: { ok: true, bankReference } as const, callback };
    });
  }

  /**
   * A batch: every transfer or none. The accounts are locked in account order, the transfers are applied
   * in line order to the balances in memory (a payer short at its line fails the whole batch), then the
   * net change of each account and one movement per line and side are written set-based.
   */
  async function executeBatch(tx: Tx, instruction: CustodyInstructionRequest): Promise<{
    result: SubmitInstructionResult;
    callback: CustodyCallbackBody | null;
  }> {
    const lines = (instruction.lines ?? []).map((l) => ({
      from: l.fromAccountNo ?? SANDBOX_PLATFORM_ACCOUNT_NO,
      to: l.toAccountNo ?? SANDBOX_PLATFORM_ACCOUNT_NO,
      amount: BigInt(l.amountFen),
      fromFrozen: l.fromFrozen,
    }));
    const total = lines.reduce((sum, l) => sum + l.amount, 0n);
    if (lines.length === 0 || total !== BigInt(instruction.amountFen)) {
      return {
        result: { ok: false, code: "unknown_account", message: "批量指令明细与金额不符" } as const,
        callback: null,
      };
    }
    const accounts = [...new Set(lines.flatMap((l) => [l.from, l.to]))].sort();
    const rows = await tx<{ accountNo: string; balanceFen: bigint; frozenFen: bigint }[]>`
      select account_no as "accountNo", balance_fen as "balanceFen", frozen_fen as "frozenFen"
      from sandbox_bank_accounts where account_no = any(${accounts}::text[]) order by account_no for update`;
    if (rows.length !== accounts.length) {
      return {
        result: { ok: false, code: "unknown_account", message: "存管账户不存在" } as const,
        callback: null,
      };
    }
    const state = new Map(
      rows.map((r) => [r.accountNo, { balance: BigInt(r.balanceFen), frozen: BigInt(r.frozenFen) }]),
    );
    const before = new Map([...state].map(([k, v]) => [k, { ...v }]));
    let failure: string | null = null;
    for (const l of lines) {
      const from = state.get(l.from)!;
      const to = state.get(l.to)!;
      if (l.fromFrozen ? from.frozen < l.amount : from.balance - from.frozen < l.amount) {
        failure = "insufficient_funds";
        break;
      }
      from.balance -= l.amount;
      if (l.fromFrozen) from.frozen -= l.amount;
      to.balance += l.amount;
    }
    const bankReference = `SBXB${Date.now().toString(36).toUpperCase()}${
      crypto.randomUUID().slice(0, 8).toUpperCase()
    }`;
    const [{ executedAt }] = await tx<{ executedAt: Date }[]>`
      insert into sandbox_bank_instructions
        (instruction_id, bank_reference, kind, account_no, counterparty_account_no, amount_fen, reference,
         status, failure_code)
      values (${instruction.instructionId}, ${bankReference}, 'batch_transfer', ${instruction.accountNo}, null,
              ${total}, ${instruction.reference}, ${failure ? "failed" : "succeeded"}, ${failure})
      returning executed_at as "executedAt"`;
    if (!failure) {
      const changed = accounts.filter((a) =>
        state.get(a)!.balance !== before.get(a)!.balance || state.get(a)!.frozen !== before.get(a)!.frozen
      );
      await tx`
        update sandbox_bank_accounts a set balance_fen = v.b, frozen_fen = v.f
        from unnest(${changed}::text[], ${changed.map((a) => state.get(a)!.balance.toString())}::bigint[],
          ${changed.map((a) => state.get(a)!.frozen.toString())}::bigint[]) as v(n, b, f)
        where a.account_no = v.n`;
      // one debit and one credit movement per line
      const accountNos = lines.flatMap((l) => [l.from, l.to]);
      const amounts = lines.flatMap((l) => [(-l.amount).toString(), l.amount.toString()]);
      const frozen = lines.flatMap((l) => [(l.fromFrozen ? -l.amount : 0n).toString(), "0"]);
      await tx`
        insert into sandbox_bank_movements
          (bank_reference, instruction_id, account_no, kind, amount_fen, frozen_delta_fen, executed_at)
        select ${bankReference}, ${instruction.instructionId}, n, 'batch_transfer', a, f, ${executedAt}
        from unnest(${accountNos}::text[], ${amounts}::bigint[], ${frozen}::bigint[]) with ordinality as x(n, a, f, i)
        order by i`;
    }
    const callback: CustodyCallbackBody = {
      callbackId: `cb-${bankReference}`,
      instructionId: instruction.instructionId,
      bankReference,
      kind: "batch_transfer",
      status: failure ? "failed" : "succeeded",
      failureCode: failure,
      amountFen: total.toString(),
      executedAt: new Date(executedAt).toISOString(),
    };
    return { result: { ok: true, bankReference } as const, callback };
  }

  return {
    name: "sandbox",
    async openAccount({ userId, realName }) {
      if (realName === "开户失败") {
        return { ok: false, code: "rejected", message: "银行拒绝开户（沙箱测试姓名）" };
      }
      const accountNo = accountNoFor(userId);
      await db`insert into sandbox_bank_accounts (account_no, user_id) values (${accountNo}, ${userId})
               on conflict do nothing`;
      const [row] = await db<{ accountNo: string }[]>`
        select account_no as "accountNo" from sandbox_bank_accounts where user_id = ${userId}`;
      return { ok: true, accountNo: row.accountNo };
    },
    verifyCard({ cardNumber, reservedPhone }) {
      if (!/^[0-9]{16,19}$/.test(cardNumber) || !luhnValid(cardNumber)) {
        return Promise.resolve({ ok: false, code: "mismatch", message: "银行卡号无效" });
      }
      if (cardNumber.startsWith("4") || cardNumber.startsWith("5")) {
        return Promise.resolve({
          ok: false,
          code: "unsupported_bank",
          message: "不支持该银行卡，请使用借记卡",
        });
      }
      if (cardNumber.endsWith("9999")) {
        return Promise.resolve({ ok: false, code: "unavailable", message: "银行系统繁忙，请稍后再试" });
      }
      if (
        !/^1[3-9][0-9]{9}$/.test(reservedPhone) || reservedPhone.endsWith("0000") ||
        cardNumber.endsWith("0000")
      ) {
        return Promise.resolve({ ok: false, code: "mismatch", message: "银行卡信息与预留手机号不符" });
      }
      return Promise.resolve({ ok: true });
    },
    async ping() {
      // the sandbox bank is its tables: reachable when the database answers
      await db`select 1 from sandbox_bank_accounts limit 1`;
      return { ok: true, message: "沙箱存管银行正常（资金只记录在沙箱中）" };
    },
    async submitInstruction(instruction) {
      if (!(BigInt(instruction.amountFen) > 0n)) throw new RangeError("instruction amount must be positive");
      const { result, callback } = await execute(instruction);
      if (callback) await callbacks.enqueue(callback.callbackId, JSON.stringify(callback));
      return result;
    },
    async dailyStatement(date): Promise<CustodyStatement> {
      const { from, to } = shanghaiDayBounds(date);
      const movements = await db<
        {
          bankReference: string;
          instructionId: string | null;
          accountNo: string;
          kind: string;
          amountFen: bigint;
          executedAt: Date;
        }[]
      >`
        select bank_reference as "bankReference", instruction_id as "instructionId", account_no as "accountNo",
               kind, amount_fen as "amountFen", executed_at as "executedAt"
        from sandbox_bank_movements where executed_at >= ${from} and executed_at < ${to}
        order by executed_at, id`;
      // balances at the end of the day: today's balance minus what moved after the day
      const accounts = await db<{ accountNo: string; balanceFen: bigint; frozenFen: bigint }[]>`
        select a.account_no as "accountNo",
               a.balance_fen - coalesce(sum(m.amount_fen), 0)::bigint as "balanceFen",
               a.frozen_fen - coalesce(sum(m.frozen_delta_fen), 0)::bigint as "frozenFen"
        from sandbox_bank_accounts a
        left join sandbox_bank_movements m on m.account_no = a.account_no and m.executed_at >= ${to}
        where a.opened_at < ${to}
        group by a.account_no order by a.account_no`;
      return {
        date,
        accounts: accounts.map((a) => ({
          accountNo: a.accountNo,
          balanceFen: BigInt(a.balanceFen),
          frozenFen: BigInt(a.frozenFen),
        })),
        movements: movements.map((m) => ({
          bankReference: m.bankReference,
          instructionId: m.instructionId ?? "",
          accountNo: m.accountNo,
          kind: m.kind as CustodyStatement["movements"][number]["kind"],
          amountFen: BigInt(m.amountFen),
          executedAt: new Date(m.executedAt),
        })),
      };
    },
    sandbox: {
      configureDelivery: (next) => callbacks.configure(next),
      setCallbackOrigin: (origin) => callbacks.setOrigin(origin),
      deliverDue: (opts) => callbacks.deliverDue(opts),
      async account(accountNo) {
        const [row] = await db<{ balanceFen: bigint; frozenFen: bigint; userId: string | null }[]>`
          select balance_fen as "balanceFen", frozen_fen as "frozenFen", user_id as "userId"
          from sandbox_bank_accounts where account_no = ${accountNo}`;
        return row
          ? { balanceFen: BigInt(row.balanceFen), frozenFen: BigInt(row.frozenFen), userId: row.userId }
          : null;
      },
      async accountNoOf(userId) {
        const [row] = await db<{ accountNo: string }[]>`
          select account_no as "accountNo" from sandbox_bank_accounts where user_id = ${userId}`;
        return row?.accountNo ?? null;
      },
      async overview(limit = 50) {
        const n = Math.min(200, Math.max(1, Math.trunc(limit)));
        const accounts = await db<
          {
            accountNo: string;
            userId: string | null;
            balanceFen: bigint;
            frozenFen: bigint;
            openedAt: Date;
          }[]
        >`
          select account_no as "accountNo", user_id as "userId", balance_fen as "balanceFen",
                 frozen_fen as "frozenFen", opened_at as "openedAt"
          from sandbox_bank_accounts order by opened_at desc, account_no limit ${n}`;
        const movements = await db<
          {
            bankReference: string;
            instructionId: string | null;
            accountNo: string;
            kind: string;
            amountFen: bigint;
            frozenDeltaFen: bigint;
            executedAt: Date;
          }[]
        >`
          select bank_reference as "bankReference", instruction_id as "instructionId", account_no as "accountNo",
                 kind, amount_fen as "amountFen", frozen_delta_fen as "frozenDeltaFen", executed_at as "executedAt"
          from sandbox_bank_movements order by id desc limit ${n}`;
        const [{ count }] = await db<{ count: bigint }[]>`
          select count(*) as count from sandbox_callbacks where delivered_at is null`;
        return {
          accounts: accounts.map((a) => ({
            ...a,
            balanceFen: BigInt(a.balanceFen),
            frozenFen: BigInt(a.frozenFen),
          })),
          movements: movements.map((m) => ({
            ...m,
            amountFen: BigInt(m.amountFen),
            frozenDeltaFen: BigInt(m.frozenDeltaFen),
          })),
          undeliveredCallbacks: Number(count),
        };
      },
      async injectAdjustment(accountNo, amountFen: Fen, at = new Date()) {
        await transaction(db, async (tx) => {
          const ref = `SBXADJ${crypto.randomUUID().slice(0, 12).toUpperCase()}`;
          await tx`update sandbox_bank_accounts set balance_fen = balance_fen + ${amountFen}
                   where account_no = ${accountNo}`;
          await tx`insert into sandbox_bank_movements (bank_reference, account_no, kind, amount_fen, executed_at)
                   values (${ref}, ${accountNo}, 'adjustment', ${amountFen}, ${at})`;
        });
      },
    },
  };
}
