/**
 * Demo data: one staff account per role and a few investors and borrowers, all with the password
 * {@link DEMO_PASSWORD}. Idempotent: accounts are keyed by username / phone hash, existing ones are left
 * as they are (running it twice changes nothing). Refuses to run outside demo mode.
 */
import type { Config } from "../config.ts";
import { type Db, transaction } from "./tx.ts";
import { recordAgreementAcceptance } from "../domain/accounts/agreements.ts";
import { createPiiCipher } from "../domain/accounts/pii.ts";
import { BCRYPT_COST, hashPassword } from "../domain/accounts/password.ts";
import type { StaffRole } from "../domain/staff/permissions.ts";
import type { UserKind } from "../domain/accounts/user.ts";

/** The demo password of every seeded account (meets the password policy). */
export const DEMO_PASSWORD = "Demo@2026!";

/** Seeded staff: username, role, display name. */
export const DEMO_STAFF: readonly { username: string; role: StaffRole; displayName: string }[] = [
  { username: "admin", role: "super_admin", displayName: "系统管理员" },
  { username: "ops", role: "operations", displayName: "运营专员" },
  { username: "risk", role: "risk", displayName: "风控专员" },
  { username: "finance", role: "finance", displayName: "财务专员" },
  { username: "cs", role: "customer_service", displayName: "客服专员" },
  { username: "tech", role: "tech", displayName: "技术支持" },
];

/** Seeded users: phone, kind, display name, own invite code. */
export const DEMO_USERS: readonly {
  phone: string;
  kind: UserKind;
  displayName: string;
  inviteCode: string;
}[] = [
  { phone: "13800000001", kind: "investor", displayName: "演示出借人一", inviteCode: "DEMOINV1" },
  { phone: "13800000002", kind: "investor", displayName: "演示出借人二", inviteCode: "DEMOINV2" },
  { phone: "13800000003", kind: "investor", displayName: "演示出借人三", inviteCode: "DEMOINV3" },
  { phone: "13800000004", kind: "borrower", displayName: "演示借款人一", inviteCode: "DEMOBOR1" },
  { phone: "13800000005", kind: "borrower", displayName: "演示借款人二", inviteCode: "DEMOBOR2" },
];

/** What the seed made available (to print at start-up). */
export interface SeedReport {
  staff: { username: string; role: StaffRole; password: string }[];
  users: { phone: string; kind: UserKind; password: string }[];
  /** Accounts this run created (0 on a second run). */
  created: number;
}

/**
 * Create the demo accounts that do not exist yet.
 *
 * @throws {Error} outside demo mode (`config.demo` false): production never gets demo accounts.
 */
export async function seed(
  sql: Db,
  config: Config,
  options: { bcryptCost?: number } = {},
): Promise<SeedReport> {
  if (!config.demo) throw new Error("seed: demo accounts are only created in demo mode (not in production)");
  const cost = options.bcryptCost ?? BCRYPT_COST;
  const cipher = createPiiCipher(config);
  let created = 0;
  let hashed: string | null = null;
  const demoHash = async () => hashed ??= await hashPassword(DEMO_PASSWORD, { cost });

  const existingStaff = new Set(
    (await sql<{ username: string }[]>`
      select username from staff where username = any(${DEMO_STAFF.map((s) => s.username)})`).map((r) =>
      r.username
    ),
  );
  for (const s of DEMO_STAFF) {
    if (existingStaff.has(s.username)) continue;
    const rows = await sql`
      insert into staff (username, display_name, role, password_hash)
      values (${s.username}, ${s.displayName}, ${s.role}, ${await demoHash()})
      on conflict (username) do nothing returning id`;
    created += rows.length;
  }

  for (const u of DEMO_USERS) {
    const phoneHash = await cipher.hash(u.phone);
    const [exists] = await sql`select 1 from users where phone_hash = ${phoneHash}`;
    if (exists) continue;
    const phoneEnc = await cipher.encrypt(u.phone);
    const passwordHash = await demoHash();
    await transaction(sql, async (tx) => {
      const [row] = await tx<{ id: string }[]>`
        insert into users (kind, phone_enc, phone_hash, display_name, password_hash, invite_code)
        values (${u.kind}, ${phoneEnc}, ${phoneHash}, ${u.displayName}, ${passwordHash}, ${u.inviteCode})
        on conflict do nothing returning id`;
      if (!row) return;
      await recordAgreementAcceptance(tx, { userId: row.id, ip: null });
      created++;
    });
  }

  return {
    staff: DEMO_STAFF.map((s) => ({ username: s.username, role: s.role, password: DEMO_PASSWORD })),
    users: DEMO_USERS.map((u) => ({ phone: u.phone, kind: u.kind, password: DEMO_PASSWORD })),
    created,
  };
}
