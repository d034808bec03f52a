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
import { enrolStaffTotpWithSecret } from "../domain/staff/totp.ts";
import type { UserKind } from "../domain/accounts/user.ts";
import { seedIdentities } from "../domain/identity/seed.ts";
import { createGateways } from "../integrations/gateways.ts";
import { seedInvestorDemo } from "../domain/investor/demo_seed.ts";
import { seedTopUp } from "../integrations/sandbox_seed.ts";
import { seedDemoWithdrawal } from "../domain/payments/withdrawal_seed.ts";
import { createOutbox } from "./outbox.ts";
import { seedLendingDemo } from "../domain/lending/demo_seed.ts";

/** The demo password of every seeded account (meets the password policy). */
export const DEMO_PASSWORD = "Demo@2026!";

/**
 * The TOTP secret (base32) of every seeded staff member — demo mode only, printed at start: add it to an
 * authenticator app by hand, or compute the code with `totpCode(DEMO_TOTP_SECRET)` (domain/staff/totp.ts).
 */
export const DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO";

/** The 交易密码 (trade password) of every seeded user. */
export const DEMO_TRADE_PASSWORD = "260817";

/** Seeded staff: username, role, display name. */
export const DEMO_STAFF: readonly { username: string; role: StaffRole; displayName: string }[] = [
  { username: "admin", role: "super_admin", displayName: "系统管理员" },
  { username: "ops", role: "operations", displayName: "运营专员" },
  { username: "risk", role: "risk", displayName: "风控专员" },
  { username: "finance", role: "finance", displayName: "财务专员" },
  { username: "cs", role: "customer_service", displayName: "客服专员" },
  { username: "tech", role: "tech", displayName: "技术支持" },
];

/** What each demo investor (borrower) has topped up: ¥200,000 (¥5,000). */
export const DEMO_INVESTOR_TOP_UP_FEN = 20_000_000n;
/** See {@link DEMO_INVESTOR_TOP_UP_FEN}. */
export const DEMO_BORROWER_TOP_UP_FEN = 500_000n;

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
  /** The demo staff's TOTP secret (second factor). */
  totpSecret: string;
  /** The demo users' trade password. */
  tradePassword: string;
  users: { phone: string; kind: UserKind; password: string }[];
  /** Accounts this run created (0 on a second run). */
  created: number;
  /**
   * The lending demo: steps this run carried out (0 when it was complete) and what waits for a later run;
   * null when it was left out.
   */
  lending: { steps: number; waiting: string[] } | null;
}

/**
 * Create the demo accounts that do not exist yet.
 *
 * @throws {Error} outside demo mode (`config.demo` false): production never gets demo accounts.
 */
export async function seed(
  sql: Db,
  config: Config,
  options: { bcryptCost?: number; lending?: boolean } = {},
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
  // the demo staff's second factor: the documented demo secret (left alone when a member re-enrolled)
  await transaction(sql, async (tx) => {
    const ids = await tx<{ id: string }[]>`
      select id from staff where username = any(${DEMO_STAFF.map((s) => s.username)})`;
    for (const { id } of ids) {
      await enrolStaffTotpWithSecret(tx, { staffId: id, secret: DEMO_TOTP_SECRET }, cipher);
    }
  });

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

  // the demo users' trade password (left alone when a user changed it)
  const tradeHash = await hashPassword(DEMO_TRADE_PASSWORD, { cost });
  await transaction(sql, async (tx) => {
    await tx`
      insert into trade_passwords (user_id, password_hash, set_at, updated_at)
      select id, ${tradeHash}, now(), now() from users
      where phone_hash = any(${await Promise.all(DEMO_USERS.map((u) => cipher.hash(u.phone)))})
      on conflict (user_id) do nothing`;
  });

  // verified identities, custody sub-accounts (opened at the sandbox bank) and one bank card per demo user
  await seedIdentities(
    sql,
    { pii: cipher, custody: createGateways(config, sql).custody },
    DEMO_USERS.map((u) => u.phone),
  );

  // balances: each demo user tops up once through the sandbox channel and bank (so the cash is at the bank
  // too and reconciliation balances); once per user (idempotency key)
  const seedGateways = createGateways(config, sql);
  const seedOutbox = createOutbox({ box: cipher });
  for (const u of DEMO_USERS) {
    const [row] = await sql<{ id: string }[]>`
      select u.id::text as id from users u join custody_accounts c on c.user_id = u.id and c.status = 'open'
      where u.phone_hash = ${await cipher.hash(u.phone)} and u.identity_verified_at is not null`;
    if (!row) continue;
    await seedTopUp(sql, { gateways: seedGateways, outbox: seedOutbox }, {
      userId: row.id,
      amountFen: u.kind === "investor" ? DEMO_INVESTOR_TOP_UP_FEN : DEMO_BORROWER_TOP_UP_FEN,
      key: `demo-balance:${row.id}`,
    });
  }

  // risk assessments, risk disclosure confirmations and invitees of the demo investors
  await seedInvestorDemo(sql, cipher, DEMO_USERS.filter((u) => u.kind === "investor").map((u) => u.phone));
  // one withdrawal of the first demo investor waiting in the finance review queue (once)
  await seedDemoWithdrawal(sql, { pii: cipher, outbox: seedOutbox }, DEMO_USERS[0].phone);
  // loans in every state with their histories, made by the real lending commands (each demo loan once: a
  // seed stopped midway is completed by the next; tests that do not look at loans leave them out with
  // `lending: false`)
  let lending: SeedReport["lending"] = null;
  if (options.lending !== false) {
    const made = await seedLendingDemo(sql, {
      pii: cipher,
      outbox: seedOutbox,
      gateways: seedGateways,
      config,
    }, {
      investorPhones: [DEMO_USERS[0].phone, DEMO_USERS[1].phone, DEMO_USERS[2].phone],
      borrowerPhones: [DEMO_USERS[3].phone, DEMO_USERS[4].phone],
      tradePassword: DEMO_TRADE_PASSWORD,
      staff: { risk: "risk", second: "admin", finance: "finance" },
    });
    lending = made && { steps: made.steps, waiting: made.waiting };
  }

  return {
    staff: DEMO_STAFF.map((s) => ({ username: s.username, role: s.role, password: DEMO_PASSWORD })),
    totpSecret: DEMO_TOTP_SECRET,
    tradePassword: DEMO_TRADE_PASSWORD,
    users: DEMO_USERS.map((u) => ({ phone: u.phone, kind: u.kind, password: DEMO_PASSWORD })),
    created,
    lending,
  };
}
