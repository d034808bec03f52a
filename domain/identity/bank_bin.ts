/**
 * Bank card numbers: the Luhn check digit, and which bank issued a card, from the card's first six
 * digits (its BIN / IIN) in a table of the common debit-card prefixes of the main Chinese banks. A card
 * whose prefix is not in the table is an unsupported bank (the platform binds debit cards of the banks
 * its custody bank can pay out to).
 *
 * Pure.
 * @module
 */

/** A bank the platform supports for binding cards. */
export interface Bank {
  /** Short code, e.g. `ICBC`. */
  code: string;
  /** Chinese name, e.g. 中国工商银行. */
  name: string;
  /** Common 6-digit prefixes of its debit (借记) cards. */
  prefixes: readonly string[];
}

/** The supported banks and their common debit-card prefixes. */
export const BANKS: readonly Bank[] = [
  {
    code: "ICBC",
    name: "中国工商银行",
    prefixes: [
      "622202",
      "622203",
      "622208",
      "622200",
      "621226",
      "621225",
      "621558",
      "621559",
      "621722",
      "620200",
    ],
  },
  {
    code: "CCB",
    name: "中国建设银行",
    prefixes: ["621700", "622700", "436742", "622280", "621284", "621081", "621467", "621598"],
  },
  {
    code: "ABC",
    name: "中国农业银行",
    prefixes: ["622848", "622845", "622846", "622841", "622821", "622823", "622827", "621282", "621336"],
  },
  {
    code: "BOC",
    name: "中国银行",
    prefixes: [
      "621660",
      "621661",
      "621663",
      "621666",
      "621667",
      "621668",
      "621669",
      "621785",
      "621786",
      "601382",
      "456351",
    ],
  },
  {
    code: "COMM",
    name: "交通银行",
    prefixes: ["622260", "622262", "621069", "621436", "621335", "601428", "405512"],
  },
  {
    code: "CMB",
    name: "招商银行",
    prefixes: ["621483", "621485", "621486", "621286", "622588", "622575", "622580", "622609", "410062"],
  },
  {
    code: "PSBC",
    name: "中国邮政储蓄银行",
    prefixes: [
      "621799",
      "621798",
      "622188",
      "621098",
      "621095",
      "621096",
      "621285",
      "622150",
      "622151",
      "622181",
    ],
  },
  {
    code: "CITIC",
    name: "中信银行",
    prefixes: ["622690", "622691", "622692", "622696", "622698", "621768", "621771", "621773", "433670"],
  },
  {
    code: "CEB",
    name: "中国光大银行",
    prefixes: ["622660", "622661", "622662", "622663", "622665", "622666", "620518", "621489", "621492"],
  },
  {
    code: "CMBC",
    name: "中国民生银行",
    prefixes: ["622615", "622616", "622617", "622618", "622619", "622622", "621691", "623683", "415599"],
  },
  {
    code: "SPDB",
    name: "上海浦东发展银行",
    prefixes: [
      "622521",
      "622522",
      "622523",
      "622516",
      "622518",
      "621351",
      "621352",
      "621390",
      "621791",
      "621792",
    ],
  },
  {
    code: "CIB",
    name: "兴业银行",
    prefixes: ["622909", "622908", "622901", "622902", "622922", "438588", "966666"],
  },
  {
    code: "PAB",
    name: "平安银行",
    prefixes: ["622155", "622156", "622157", "622986", "622989", "622298", "621626", "623058", "602907"],
  },
  { code: "HXB", name: "华夏银行", prefixes: ["622630", "622631", "622632", "622633", "621222", "623020"] },
  { code: "GDB", name: "广发银行", prefixes: ["622568", "622556", "622555", "621462", "623506", "685800"] },
];

const BY_PREFIX: ReadonlyMap<string, Bank> = new Map(
  BANKS.flatMap((bank) => bank.prefixes.map((p) => [p, bank] as const)),
);

/** The bank of a card number (digits only) by its first six digits, or `null` when not supported. */
export function bankOfCard(cardNumber: string): Bank | null {
  return BY_PREFIX.get(cardNumber.slice(0, 6)) ?? null;
}

/** The bank with this code, or `null`. */
export function bankByCode(code: string): Bank | null {
  return BANKS.find((b) => b.code === code) ?? null;
}

/** Whether a string of digits passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit to append to `body` (digits). */
export function luhnCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return String(d);
  throw new RangeError("body must be digits");
}

/** Why a card number is refused. */
export type CardNumberProblem = "empty" | "format" | "luhn" | "unsupported_bank";

/** Chinese messages shown next to the card number field. */
export const CARD_NUMBER_MESSAGES: Readonly<Record<CardNumberProblem, string>> = {
  empty: "请输入银行卡号",
  format: "银行卡号应为 16–19 位数字",
  luhn: "银行卡号有误（校验位不符），请逐位核对",
  unsupported_bank: "暂不支持该银行的卡，请换一张主流银行的借记卡（如工行、建行、农行、中行、招行等）",
};

/** Outcome of {@link checkCardNumber}. */
export type CardNumberCheck =
  | { ok: true; cardNumber: string; bank: Bank }
  | { ok: false; problem: CardNumberProblem };

/** Normalise (drop spaces and dashes, full-width digits to ASCII) and check a card number. */
export function checkCardNumber(input: string): CardNumberCheck {
  const cardNumber = input.trim()
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFF10 + 0x30))
    .replace(/[\s-]/g, "");
  if (cardNumber === "") return { ok: false, problem: "empty" };
  if (!/^\d{16,19}$/.test(cardNumber)) return { ok: false, problem: "format" };
  if (!luhnValid(cardNumber)) return { ok: false, problem: "luhn" };
  const bank = bankOfCard(cardNumber);
  if (!bank) return { ok: false, problem: "unsupported_bank" };
  return { ok: true, cardNumber, bank };
}

/** A Luhn-valid card number: `prefix` + `middle` + check digit (tests, seed, the sandbox's documented cards). */
export function makeCardNumber(prefix: string, middle: string): string {
  return prefix + middle + luhnCheckDigit(prefix + middle);
}
