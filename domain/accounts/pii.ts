/**
 * Personal data at rest: AES-256-GCM encryption (WebCrypto) for values we must read back, a keyed
 * HMAC-SHA-256 hash for look-ups (e.g. `users.phone_hash`), and the masks used everywhere on screen.
 *
 * Ciphertext layout: 12-byte random IV followed by the AES-GCM output (ciphertext + 16-byte tag).
 */

/** Keys of the cipher (from {@link Config}: `piiEncKeyBase64`, `piiHashKey`). */
export interface PiiKeys {
  /** 32 bytes, base64. */
  piiEncKeyBase64: string;
  /** Any secret string (≥ 32 characters in production). */
  piiHashKey: string;
}

/** Encrypts, decrypts and hashes personal data. Create one per process and reuse it. */
export interface PiiCipher {
  /** Encrypt UTF-8 text: returns IV (12 bytes) ‖ ciphertext ‖ tag. */
  encrypt(text: string): Promise<Uint8Array>;
  /** Decrypt what {@link PiiCipher.encrypt} produced. Throws if the data was altered or the key differs. */
  decrypt(bytes: Uint8Array): Promise<string>;
  /** Keyed hash (HMAC-SHA-256, lower-case hex) for equality look-ups. Normalise the text first. */
  hash(text: string): Promise<string>;
}

const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Lower-case hex of some bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (const b of view) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Create a cipher from the configured keys. The WebCrypto keys are imported once, on first use, and
 * cached in the returned object.
 *
 * @throws {Error} (on first use) when the encryption key is not 32 bytes of base64.
 */
export function createPiiCipher(keys: PiiKeys): PiiCipher {
  let encKey: Promise<CryptoKey> | null = null;
  let hashKey: Promise<CryptoKey> | null = null;
  const getEncKey = () =>
    encKey ??= (async () => {
      const raw = base64ToBytes(keys.piiEncKeyBase64);
      if (raw.length !== 32) throw new Error("PII encryption key must be 32 bytes (base64)");
      return await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    })();
  const getHashKey = () =>
    hashKey ??= crypto.subtle.importKey(
      "raw",
      encoder.encode(keys.piiHashKey),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );

  return {
    async encrypt(text) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        await getEncKey(),
        encoder.encode(text),
      );
      const out = new Uint8Array(IV_BYTES + ct.byteLength);
      out.set(iv, 0);
      out.set(new Uint8Array(ct), IV_BYTES);
      return out;
    },
    async decrypt(bytes) {
      if (bytes.length < IV_BYTES + 16) throw new Error("PII ciphertext too short");
      const copy = new Uint8Array(bytes); // own ArrayBuffer (postgres.js may hand us a Buffer view)
      const iv = copy.subarray(0, IV_BYTES);
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv },
        await getEncKey(),
        copy.subarray(IV_BYTES),
      );
      return decoder.decode(pt);
    },
    async hash(text) {
      return toHex(await crypto.subtle.sign("HMAC", await getHashKey(), encoder.encode(text)));
    },
  };
}

/** SHA-256 of UTF-8 text, lower-case hex (not keyed: for session ids and the audit chain). */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  const chars = Array.from(value);
  if (chars.length <= keepStart + keepEnd) return "*".repeat(chars.length);
  return chars.slice(0, keepStart).join("") + "*".repeat(chars.length - keepStart - keepEnd) +
    chars.slice(chars.length - keepEnd).join("");
}

/** Mask a phone number: `13812345678` → `138****5678`. */
export function maskPhone(phone: string): string {
  return maskMiddle(phone, 3, 4);
}

/** Mask an ID number: `110101199001011234` → `110***********1234`. */
export function maskIdNumber(idNumber: string): string {
  return maskMiddle(idNumber, 3, 4);
}

/** Mask a person's name, keeping the first character: `张三` → `张*`, `欧阳娜娜` → `欧***`. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return "";
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}

/** Mask a bank card number as shown in lists: `6222021234567890123` → `尾号 0123`. */
export function maskBankCard(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, "");
  return `尾号 ${digits.slice(-4)}`;
}
