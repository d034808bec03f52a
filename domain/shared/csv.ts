/**
 * CSV for spreadsheet programs: every cell quoted, formulas neutralised (CSV injection), UTF-8 with a BOM
 * (so the Chinese reads right) and CRLF line ends. Pure.
 * @module
 */
import type { Fen } from "../money/fen.ts";

/**
 * One quoted cell. A value a spreadsheet would take for a formula (first character `=`, `+`, `-`, `@`, tab
 * or CR) gets a leading `'`; with `signedNumbers`, a value starting `-` and a digit (a negative amount) is
 * left as it is.
 */
export function csvCell(value: string, options: { signedNumbers?: boolean } = {}): string {
  const formula = /^[=+\-@\t\r]/.test(value) && !(options.signedNumbers && /^-\d/.test(value));
  const safe = formula ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** A whole CSV document from its lines: BOM first, each line ended by CRLF. */
export function csvDocument(lines: readonly string[]): string {
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}

/** Fen as plain signed yuan without grouping, for a spreadsheet: `-1234n` → `-12.34`. */
export function fenToPlainYuan(fen: Fen): string {
  const sign = fen < 0n ? "-" : "";
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
