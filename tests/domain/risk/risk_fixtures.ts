/**
 * Fixtures of the automatic-review tests: a borrower with a verified identity (a random valid ID number,
 * or a sandbox special name), and an application row inserted directly in `submitted`.
 * @module
 */
import type { Db } from "../../../db/tx.ts";
import { makeIdNumber } from "../../../domain/identity/id_number.ts";
import { idNumberHash, realNameHash } from "../../../domain/identity/identity.ts";
import type { Fen } from "../../../domain/money/fen.ts";
import { createUser, testCipher } from "../../helpers/forms.ts";

/** A random valid ID number of someone born in `year` (default 1988). */
export function randomIdNumber(year = 1988): string {
  const n = crypto.getRandomValues(new Uint32Array(3));
  const month = String(1 + (n[0] % 12)).padStart(2, "0");
  const day = String(1 + (n[1] % 28)).padStart(2, "0");
  const regions = ["110105", "310104", "440106", "330106", "510104", "320102", "420106", "350203"];
  return makeIdNumber(
    regions[n[2] % regions.length],
    `${year}${month}${day}`,
    String(n[2] % 1000).padStart(3, "0"),
  );
}

/** A borrower whose identity is verified (stored as real verification stores it). */
export async function verifiedBorrower(
  sql: Db,
  options: { realName?: string; idNumber?: string; birthYear?: number } = {},
): Promise<{ userId: string; phone: string; idNumber: string }> {
  const u = await createUser(sql, "borrower");
  const realName = options.realName ?? "张三";
  for (let attempt = 0;; attempt++) {
    const idNumber = options.idNumber ?? randomIdNumber(options.birthYear);
    const hash = await idNumberHash(testCipher, idNumber);
    const [taken] = await sql`select 1 from users where id_number_hash = ${hash}`;
    if (taken && attempt < 20) continue;
    await sql`
      update users set real_name_enc = ${await testCipher.encrypt(realName)},
        id_number_enc = ${await testCipher.encrypt(idNumber)}, id_number_hash = ${hash},
        real_name_hash = ${await realNameHash(testCipher, realName)}, identity_verified_at = now()
      where id = ${u.userId}`;
    return { ...u, idNumber };
  }
}

/** What {@link insertApplication} accepts. */
export interface ApplicationOptions {
  productCode?: string;
  amountFen?: Fen;
  termCount?: number;
  monthlyIncomeFen?: Fen | null;
  monthlyDebtFen?: Fen | null;
  employmentYears?: number;
  deviceId?: string | null;
  ip?: string | null;
  status?: "draft" | "submitted";
}

/** An application of `userId` inserted directly (default: personal credit, ¥50,000, 12 months, submitted). */
export async function insertApplication(
  sql: Db,
  userId: string,
  o: ApplicationOptions = {},
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into loan_applications (user_id, product_id, status, step, amount_fen, term_count, method, purpose,
      details, monthly_income_fen, monthly_debt_fen, device_id, ip)
    select ${userId}, id, ${o.status ?? "submitted"}, 5, ${o.amountFen ?? 5_000_000n}, ${o.termCount ?? 12},
      'equal_installment', '装修', ${sql.json({ employmentYears: o.employmentYears ?? 6 })},
      ${o.monthlyIncomeFen === undefined ? 1_500_000n : o.monthlyIncomeFen},
      ${o.monthlyDebtFen === undefined ? 300_000n : o.monthlyDebtFen}, ${o.deviceId ?? null}, ${o.ip ?? null}
    from loan_products where code = ${o.productCode ?? "personal_credit"}
    returning id`;
  return String(row.id);
}

/** A random device id (as the device cookie carries). */
export function randomDeviceId(): string {
  return `dev-${crypto.randomUUID()}`;
}
