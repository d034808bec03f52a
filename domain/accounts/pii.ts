/**
 * Personal data at rest: AES-256-GCM encryption (WebCrypto) for values we must read back, a keyed
 * HMAC-SHA-256 hash for look-ups (e.g. `users.phone_hash`), and the masks used everywhere on screen.
 *
 * Ciphertext layout: a 1-byte key version (1–255), a 12-byte random IV, then the AES-GCM output
 * (ciphertext + 16-byte tag). Values written before keys were versioned have no version byte (IV first);
 * they are still read: when the first byte is not a configured version, or decrypting with that version's
 * key fails, the value is tried as an unversioned one with the current key and then each old key.
 *
 * Key rotation: give the new key a new version (`PII_ENC_KEY` + `PII_ENC_KEY_VERSION`) and move the
 * previous key to `PII_ENC_KEYS_OLD` (`version:base64,…`). New values use the current key; old values stay
 * readable; {@link PiiCipher.reencrypt} rewrites a stored value under the current key, and the daily job
 * `pii_reencrypt` (domain/accounts/pii_reencrypt.ts) does it for every encrypted column; once its report
 * shows every target finished for the new version, the old key can be removed. The hash key is not
 * versioned (changing it would break every look-up).
 */
import { createHash } from "node:crypto";

/** Keys of the cipher (from {@link Config}: `piiEncKeyBase64`, `piiHashKey`, and the versioned keys). */
export interface PiiKeys {
  /** The current encryption key: 32 bytes, base64. */
  piiEncKeyBase64: string;
  /** The current key's version, 1–255, written in front of every new ciphertext (default 1). */
  piiEncKeyVersion?: number;
  /** Earlier keys, still accepted for decryption. */
  piiEncKeysOld?: readonly PiiOldKey[];
  /** Any secret string (≥ 32 characters in production). */
  piiHashKey: string;
}

/** An earlier encryption key and its version. */
export interface PiiOldKey {
  version: number;
  /** 32 bytes, base64. */
  keyBase64: string;
}

/** Encrypts, decrypts and hashes personal data. Create one per process and reuse it. */
export interface PiiCipher {
  /** Encrypt UTF-8 text: returns version (1 byte) ‖ IV (12 bytes) ‖ ciphertext ‖ tag. */
  encrypt(text: string): Promise<Uint8Array>;
  /**
   * Decrypt what {@link PiiCipher.encrypt} produced with the current or an old key, or an unversioned
   * value of before key versions. Throws if the data was altered or no configured key fits.
   */
  decrypt(bytes: Uint8Array): Promise<string>;
  /** Whether a stored value is not under the current key (a re-encryption job should rewrite it). */
  needsReencrypt(bytes: Uint8Array): Promise<boolean>;
  /**
   * The value encrypted again under the current key when it is not already (an old key's, or unversioned);
   * `null` when it is. Throws, like {@link PiiCipher.decrypt}, when no configured key opens it.
   */
  reencrypt(bytes: Uint8Array): Promise<Uint8Array | null>;
  /** The version of the current key (the first byte of every new ciphertext). */
  readonly keyVersion: number;
  /** Keyed hash (HMAC-SHA-256, lower-case hex) for equality look-ups. Normalise the text first. */
  hash(text: string): Promise<string>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Default version of the current key. */
export const DEFAULT_PII_KEY_VERSION = 1;
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
 * Parse `PII_ENC_KEYS_OLD`: `version:base64` pairs separated by commas (`1:AAAA…=,2:BBBB…=`). Returns the
 * keys, or the Chinese reason the text is refused (a version outside 1–255, a repeated version, a key that
 * is not 32 bytes of base64).
 */
export function parseOldPiiKeys(text: string): PiiOldKey[] | string {
  const out: PiiOldKey[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,3}):(\S+)$/.exec(part);
    if (!m) return "格式应为 版本:base64密钥，多个用逗号分隔";
    const version = Number(m[1]);
    if (version < 1 || version > 255) return "密钥版本必须是 1–255";
    if (out.some((k) => k.version === version)) return `密钥版本 ${version} 重复`;
    let length = -1;
    try {
      length = atob(m[2]).length;
    } catch { /* not base64 */ }
    if (length !== 32) return `版本 ${version} 的密钥必须是 32 字节密钥的 base64`;
    out.push({ version, keyBase64: m[2] });
  }
  return out;
}

async function importAesKey(b64: string): Promise<CryptoKey> {
  const raw = base64ToBytes(b64);
  if (raw.length !== 32) throw new Error("PII encryption key must be 32 bytes (base64)");
  return await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

async function tryDecrypt(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (data.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: data.subarray(0, IV_BYTES) },
      key,
      data.subarray(IV_BYTES),
    );
    return decoder.decode(pt);
  } catch {
    return null;
  }
}

/**
 * Create a cipher from the configured keys. The WebCrypto keys are imported once, on first use, and
 * cached in the returned object.
 *
 * @throws {Error} (on first use) when an encryption key is not 32 bytes of base64, or (at once) when the
 *   current version is outside 1–255 or also names an old key.
 */
export function createPiiCipher(keys: PiiKeys): PiiCipher {
  const version = keys.piiEncKeyVersion ?? DEFAULT_PII_KEY_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > 255) {
    throw new Error("PII key version must be 1–255");
  }
  const old = keys.piiEncKeysOld ?? [];
  if (old.some((k) => k.version === version)) {
    throw new Error(`PII key version ${version} is both current and old`);
  }
  let encKey: Promise<CryptoKey> | null = null;
  const oldKeys = new Map<number, Promise<CryptoKey>>();
  let hashKey: Promise<CryptoKey> | null = null;
  const getEncKey = () => encKey ??= importAesKey(keys.piiEncKeyBase64);
  const getOldKey = (k: PiiOldKey) => {
    let p = oldKeys.get(k.version);
    if (!p) oldKeys.set(k.version, p = importAesKey(k.keyBase64));
    return p;
  };
  const keyFor = (v: number): Promise<CryptoKey> | null => {
    if (v === version) return getEncKey();
    const k = old.find((o) => o.version === v);
    return k ? getOldKey(k) : null;
  };
  const getHashKey = () =>
    hashKey ??= crypto.subtle.importKey(
      "raw",
      encoder.encode(keys.piiHashKey),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
  /** The plain text and the version of the key that opened it (0: an unversioned value). */
  const open = async (bytes: Uint8Array): Promise<{ text: string; version: number; legacy: boolean }> => {
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("PII ciphertext too short");
    const copy = new Uint8Array(bytes); // own ArrayBuffer (postgres.js may hand us a Buffer view)
    const key = keyFor(copy[0]);
    if (key) {
      const text = await tryDecrypt(await key, copy.subarray(1));
      if (text !== null) return { text, version: copy[0], legacy: false };
    }
    // an unversioned value (IV first), written before key versions: the current key, then the old ones
    const current = await tryDecrypt(await getEncKey(), copy);
    if (current !== null) return { text: current, version, legacy: true };
    for (const k of old) {
      const text = await tryDecrypt(await getOldKey(k), copy);
      if (text !== null) return { text, version: k.version, legacy: true };
    }
    throw new Error("PII ciphertext cannot be decrypted with any configured key (altered, or unknown key)");
  };

  const cipher: PiiCipher = {
    keyVersion: version,
    async encrypt(text) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        await getEncKey(),
        encoder.encode(text),
      );
      const out = new Uint8Array(1 + IV_BYTES + ct.byteLength);
      out[0] = version;
      out.set(iv, 1);
      out.set(new Uint8Array(ct), 1 + IV_BYTES);
      return out;
    },
    async decrypt(bytes) {
      return (await open(bytes)).text;
    },
    async needsReencrypt(bytes) {
      const opened = await open(bytes);
      return opened.legacy || opened.version !== version;
    },
    async reencrypt(bytes) {
      const opened = await open(bytes);
      return opened.legacy || opened.version !== version ? await cipher.encrypt(opened.text) : null;
    },
    async hash(text) {
      return toHex(await crypto.subtle.sign("HMAC", await getHashKey(), encoder.encode(text)));
    },
  };
  return cipher;
}

/**
 * SHA-256 of UTF-8 text, lower-case hex (not keyed: for session ids and the audit chain). Computed
 * synchronously with node:crypto (the same digest as WebCrypto's, without an async round through the
 * thread pool: a session id is hashed on every request).
 */
export function sha256Hex(text: string): Promise<string> {
  return Promise.resolve(createHash("sha256").update(text, "utf8").digest("hex"));
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

/**
 * Mask a bank card number in groups of four, keeping the first four and the last four digits:
 * `6222021234567890123` → `6222 **** **** 0123` (the middle always shows as two groups, whatever the
 * length, so the mask does not reveal it).
 */
export function maskBankCard(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, "");
  if (digits.length < 8) return `**** ${digits.slice(-4)}`;
  return `${digits.slice(0, 4)} **** **** ${digits.slice(-4)}`;
}

/** The short form of a card in lists and sentences: `尾号 0123` (from the number or its last four digits). */
export function cardTail(cardNumberOrLast4: string): string {
  const digits = cardNumberOrLast4.replace(/\D/g, "");
  return `尾号 ${digits.slice(-4)}`;
}
