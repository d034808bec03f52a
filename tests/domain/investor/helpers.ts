/** Shared bits of the investor tests: a staff actor with a role's permissions, an invited user. */
import type { Db } from "../../../db/tx.ts";
import { permissionsFor, type StaffRole } from "../../../domain/staff/permissions.ts";
import { createUser } from "../../helpers/forms.ts";
import { QUESTIONS } from "../../../domain/investor/risk_questionnaire.ts";

/** A staff row of `role` and an actor as the commands take it. */
export async function staffActor(sql: Db, role: StaffRole) {
  const username = `t${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const [row] = await sql<{ id: string }[]>`
    insert into staff (username, display_name, role, password_hash)
    values (${username}, ${"测试" + role}, ${role}, 'x') returning id`;
  return { staff: { id: row.id, permissions: permissionsFor(role) as ReadonlySet<string> }, ip: "10.0.0.1" };
}

/** An inviter and a user invited by them. */
export async function invitedPair(sql: Db) {
  const inviter = await createUser(sql);
  const invitee = await createUser(sql);
  await sql`update users set invited_by = ${inviter.userId} where id = ${invitee.userId}`;
  return { inviter, invitee };
}

/** Every question answered with its highest-scoring option. */
export const BOLD_ANSWERS: Record<string, string> = Object.fromEntries(
  QUESTIONS.map((q) => [q.id, q.options.reduce((a, b) => (b.points > a.points ? b : a)).id]),
);
/** Every question answered with its lowest-scoring option. */
export const CAUTIOUS_ANSWERS: Record<string, string> = Object.fromEntries(
  QUESTIONS.map((q) => [q.id, q.options.reduce((a, b) => (b.points < a.points ? b : a)).id]),
);

/** A minimal PNG signature plus some bytes. */
export const PNG = new Uint8Array([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0,
  0,
  0,
  13,
  73,
  72,
  68,
  82,
]);
/** A JPEG start. */
export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70]);
/** A WebP header. */
export const WEBP = new Uint8Array([
  0x52,
  0x49,
  0x46,
  0x46,
  8,
  0,
  0,
  0,
  0x57,
  0x45,
  0x42,
  0x50,
  86,
  80,
  56,
  32,
]);
