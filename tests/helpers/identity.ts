/**
 * Test data of the identity room: the first bytes of real video files of each kind, fake videos, and a
 * sandbox identity not yet used.
 * @module
 */
import type { Db } from "../../db/tx.ts";
import { SANDBOX_IDENTITIES, type SandboxIdentity } from "../../domain/gateways/identity.ts";
import { idNumberHash } from "../../domain/identity/identity.ts";
import { testCipher } from "./forms.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** The start of an MP4 file (`ftyp` box, brand `isom`). */
export const MP4_HEAD = new Uint8Array([0, 0, 0, 0x20, ...ascii("ftypisom"), 0, 0, 2, 0]);
/** The start of a QuickTime file (`ftyp` box, brand `qt  `). */
export const MOV_HEAD = new Uint8Array([0, 0, 0, 0x14, ...ascii("ftypqt  "), 0, 0, 0, 0]);
/** The start of a WebM file (EBML header, doc type `webm`). */
export const WEBM_HEAD = new Uint8Array([
  0x1a,
  0x45,
  0xdf,
  0xa3,
  0x9f,
  0x42,
  0x86,
  0x81,
  0x01,
  0x42,
  0x82,
  0x84,
  ...ascii("webm"),
  0x42,
  0x87,
]); // deno-fmt-ignore

/** A fake video of `size` bytes starting with `head`. */
export function videoBytes(head: Uint8Array, size = 4096): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  out.set(head);
  for (let i = head.length; i < size; i++) out[i] = i % 251;
  return out;
}

/**
 * A sandbox identity (one the sandbox gateway passes; not a demo user's) that no user of this test
 * database has verified with yet.
 */
export async function freeSandboxIdentity(sql: Db): Promise<SandboxIdentity> {
  for (const i of SANDBOX_IDENTITIES.slice(5)) {
    const [used] = await sql`select 1 from users where id_number_hash = ${await idNumberHash(
      testCipher,
      i.idNumber,
    )}`;
    if (!used) return i;
  }
  throw new Error("no free sandbox identity left in this test database");
}
