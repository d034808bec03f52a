/**
 * Password policy (ASVS 6.2) and hashing.
 *
 * **Policy**: at least {@link PASSWORD_MIN_LENGTH} characters, at most {@link PASSWORD_MAX_CHARS}, and not
 * guessable: zxcvbn-ts (`@zxcvbn-ts/core` with the `@zxcvbn-ts/language-common` dictionaries — common
 * passwords, keyboard patterns — plus a list of passwords common in China, {@link CHINESE_COMMON_PASSWORDS})
 * must score it at least {@link MIN_PASSWORD_SCORE} (of 0–4), taking the user's own data (phone number,
 * user name) into account. No composition rules (no "must contain a digit / not all digits"): any
 * character counts, Chinese passphrases included. Refusals say why in Chinese, with zxcvbn's feedback
 * translated.
 *
 * **Hashing** (`@node-rs/bcrypt`, async so the event loop stays free): bcrypt reads at most 72 bytes — 24
 * Chinese characters — and ignores the rest. So the password is pre-hashed: bcrypt is given
 * base64(HMAC-SHA-256(key = {@link PREHASH_KEY}, password)), 44 ASCII characters without NUL bytes, and
 * every character of the password counts. The stored hash is versioned: `$p2$v1$` + the bcrypt hash.
 * Hashes without the prefix (made before, e.g. by an older seed) are plain bcrypt and still verify (a
 * password longer than 72 bytes never matches one of them).
 * @module
 */
import { hash, verify } from "@node-rs/bcrypt";
import { type FeedbackType, ZxcvbnFactory } from "@zxcvbn-ts/core";
import { createRequire } from "node:module";
import type * as LanguageCommon from "@zxcvbn-ts/language-common";

/** bcrypt cost used in production and for the seed. Tests may pass a lower cost. */
export const BCRYPT_COST = 10;
/** Minimum length, in characters. */
export const PASSWORD_MIN_LENGTH = 8;
/** Maximum length, in characters (pre-hashing makes any length safe; this bounds the work). */
export const PASSWORD_MAX_CHARS = 128;
/** bcrypt's input limit, in UTF-8 bytes: only plain (unversioned) bcrypt hashes are bound by it. */
export const PASSWORD_MAX_BYTES = 72;
/** The lowest zxcvbn score accepted (0 too guessable … 4 very unguessable). */
export const MIN_PASSWORD_SCORE = 3;
/** Characters zxcvbn looks at (its matching cost grows quickly with length; longer ones are strong anyway). */
const ZXCVBN_MAX_LENGTH = 64;

/**
 * Passwords common in China that the English-centred lists miss or rank low: pinyin words and names,
 * number "love codes" (5201314 我爱你一生一世), QQ-style prefixes. Lower case, most common first.
 */
export const CHINESE_COMMON_PASSWORDS: readonly string[] = [
  "woaini",
  "5201314",
  "1314520",
  "woaini1314",
  "qq123456",
  "5211314",
  "520520",
  "521521",
  "7758521",
  "7758258",
  "1314521",
  "aini1314",
  "woaini520",
  "iloveyou1314",
  "5201314a",
  "a5201314",
  "woaiwojia",
  "wodemima",
  "mima",
  "mimamima",
  "mima123",
  "nihao",
  "nihao123",
  "woshishui",
  "wobuzhidao",
  "zhongguo",
  "woaizhongguo",
  "beijing",
  "shanghai",
  "baobei",
  "baobei520",
  "laopo",
  "laogong",
  "laopo520",
  "qinqin",
  "tiantian",
  "xiaoxiao",
  "huanhuan",
  "feifei",
  "lele",
  "xiaoming",
  "dearbook",
  "xiazhili",
  "zhangwei",
  "wangwei",
  "wangyang",
  "liuyang",
  "zhangjie",
  "lijing",
  "wangfang",
  "zhang",
  "wang",
  "liu",
  "chen",
  "yang",
  "huang",
  "zhao",
  "zhou",
  "sun",
  "zhu",
  "guo",
  "lin",
  "gao",
  "luo",
  "liang",
  "song",
  "zheng",
  "xie",
  "han",
  "tang",
  "feng",
  "deng",
  "cao",
  "peng",
  "zeng",
  "xiao",
  "tian",
  "dong",
  "yuan",
  "pan",
  "jiang",
  "cai",
  "jia",
  "ding",
  "wei",
  "xue",
  "ye",
  "yan",
  "qq",
  "caonima",
  "nimabi",
  "147258369",
  "147258",
  "159357",
  "135792468",
  "789456123",
  "123654789",
  "110110",
  "110110110",
  "31415926",
  "11223344",
  "12344321",
  "123321",
  "123qweasd",
  "qweasdzxc",
  "1qaz2wsx",
  "1q2w3e4r",
  "qwe123",
  "asd123",
  "zxc123",
  "a123456",
  "aa123456",
  "abc123456",
  "123456a",
  "123456aa",
  "123456abc",
];

/** zxcvbn's feedback, in Chinese. */
const TRANSLATIONS = {
  warnings: {
    straightRow: "同一排相邻的键盘按键很容易被猜到。",
    keyPattern: "键盘上的连续按键模式很容易被猜到。",
    simpleRepeat: "重复的字符（如 aaa）很容易被猜到。",
    extendedRepeat: "重复的字符组合（如 abcabcabc）很容易被猜到。",
    sequences: "常见的字符序列（如 abc、123）很容易被猜到。",
    recentYears: "最近的年份很容易被猜到。",
    dates: "日期（如生日）很容易被猜到。",
    topTen: "这是最常用的密码之一。",
    topHundred: "这是非常常用的密码。",
    common: "这是常用密码。",
    similarToCommon: "这与常用密码非常相似。",
    wordByItself: "单独一个词很容易被猜到。",
    namesByThemselves: "单独的姓名很容易被猜到。",
    commonNames: "常见的姓名很容易被猜到。",
    userInputs: "密码中不要包含手机号、用户名等个人信息。",
    pwned: "该密码已在其他网站的数据泄露中出现。",
  },
  suggestions: {
    l33t: "避免可预测的字符替换，如用 @ 代替 a。",
    reverseWords: "避免把常用词倒过来写。",
    allUppercase: "部分大写比全部大写更好。",
    capitalization: "不要只把首字母大写。",
    dates: "避免使用与您相关的日期和年份。",
    recentYears: "避免使用最近的年份。",
    associatedYears: "避免使用与您相关的年份。",
    sequences: "避免常见的字符序列。",
    repeated: "避免重复的词和字符。",
    longerKeyboardPattern: "使用更长的键盘模式，并多次改变方向。",
    anotherWord: "多加几个不常见的词，或用一句好记的长句子。",
    useWords: "用几个词组成一句话，避免常见短语。",
    noNeed: "不一定要用符号、数字或大写字母，长而独特更重要。",
    pwned: "如果您在其他地方用过这个密码，请同时修改。",
  },
  timeEstimation: {
    ltSecond: "不到 1 秒",
    second: "{base} 秒",
    seconds: "{base} 秒",
    minute: "{base} 分钟",
    minutes: "{base} 分钟",
    hour: "{base} 小时",
    hours: "{base} 小时",
    day: "{base} 天",
    days: "{base} 天",
    month: "{base} 个月",
    months: "{base} 个月",
    year: "{base} 年",
    years: "{base} 年",
    centuries: "数百年",
  },
};

let estimator: ZxcvbnFactory | null = null;

/**
 * The estimator, built on first use. Its dictionaries (about 12 MB once loaded) are loaded then too, not
 * at start-up: most processes and requests never check a new password. `require` loads them synchronously
 * (the package's CommonJS build), so the checks stay synchronous.
 */
function zxcvbn(): ZxcvbnFactory {
  if (estimator) return estimator;
  const { adjacencyGraphs, dictionary } = createRequire(import.meta.url)(
    "@zxcvbn-ts/language-common",
  ) as typeof LanguageCommon;
  estimator = new ZxcvbnFactory({
    dictionary: { ...dictionary, chineseCommon: [...CHINESE_COMMON_PASSWORDS] },
    graphs: adjacencyGraphs,
    translations: TRANSLATIONS,
    maxLength: ZXCVBN_MAX_LENGTH,
    // bounds the l33t matcher's work on inputs full of substitutable characters
    l33tMaxSubstitutions: 8,
  });
  return estimator;
}

/** Policy messages, in Chinese. */
export const PASSWORD_MESSAGES = {
  too_short: `密码至少 ${PASSWORD_MIN_LENGTH} 位`,
  too_long: `密码过长（最多 ${PASSWORD_MAX_CHARS} 个字符）`,
  too_weak: "密码太常见或太容易猜到，请换一个更长、更独特的密码",
} as const;

/** The rules as one line, for the hint under a password field (register form, staff form). */
export const PASSWORD_HINT =
  `至少 ${PASSWORD_MIN_LENGTH} 位，不能是常见或容易猜到的密码（如 qq123456、生日、键盘顺序）；` +
  `可以用一句好记的长句子，支持中文`;

/** Why a password is refused: the code, and zxcvbn's translated feedback for `too_weak`. */
export interface PasswordProblem {
  code: keyof typeof PASSWORD_MESSAGES;
  /** zxcvbn's warning and suggestions, in Chinese (may be empty). */
  feedback: string[];
}

/** The length rules only (cheap): problems, or an empty array. */
export function passwordLengthProblems(password: string): PasswordProblem[] {
  const chars = Array.from(password).length;
  if (chars < PASSWORD_MIN_LENGTH) return [{ code: "too_short", feedback: [] }];
  if (chars > PASSWORD_MAX_CHARS) return [{ code: "too_long", feedback: [] }];
  return [];
}

function feedbackLines(feedback: FeedbackType): string[] {
  const lines = [feedback.warning, ...feedback.suggestions].filter((l): l is string => !!l);
  return [...new Set(lines)];
}

/**
 * Check a password against the whole policy: length, then strength (zxcvbn, which costs up to a few tens
 * of milliseconds of CPU — call it only once a request has earned it, e.g. after the SMS code is proven).
 * `userInputs`: the account's own data (phone, user name, name), which make a password weak.
 */
export function passwordProblems(password: string, userInputs: readonly string[] = []): PasswordProblem[] {
  const length = passwordLengthProblems(password);
  if (length.length > 0) return length;
  const result = zxcvbn().check(password, userInputs.filter((u) => u.length > 0));
  if (result.score >= MIN_PASSWORD_SCORE) return [];
  return [{ code: "too_weak", feedback: feedbackLines(result.feedback) }];
}

/** The Chinese messages for a password (the rule first, then zxcvbn's feedback), or `[]` when acceptable. */
export function validatePassword(password: string, userInputs: readonly string[] = []): string[] {
  return passwordProblems(password, userInputs).flatMap((p) => [PASSWORD_MESSAGES[p.code], ...p.feedback]);
}

/** Options of {@link hashPassword}. */
export interface HashOptions {
  /** bcrypt cost (4–31). Default {@link BCRYPT_COST}; tests use 4. */
  cost?: number;
}

/**
 * The HMAC key of the pre-hash. Not a secret (it is here, in the source): it separates our pre-hashes from
 * plain SHA-256 digests, so a leaked table of unsalted SHA-256 password hashes from elsewhere cannot be fed
 * straight into our bcrypt hashes ("password shucking").
 */
export const PREHASH_KEY = "xinrong-p2p/password/v1";
/** The prefix of hashes made by {@link hashPassword}: version 1 = bcrypt(base64(HMAC-SHA-256)). */
export const PASSWORD_HASH_PREFIX = "$p2$v1$";

const encoder = new TextEncoder();
let prehashKey: Promise<CryptoKey> | null = null;

/** base64(HMAC-SHA-256(PREHASH_KEY, password)): 44 ASCII characters, never a NUL byte. */
async function prehash(password: string): Promise<string> {
  prehashKey ??= crypto.subtle.importKey(
    "raw",
    encoder.encode(PREHASH_KEY),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await prehashKey, encoder.encode(password)));
  return btoa(String.fromCharCode(...mac));
}

/** Hash a password (versioned pre-hash, then bcrypt). Does not check the policy. */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  return PASSWORD_HASH_PREFIX + await hash(await prehash(password), options.cost ?? BCRYPT_COST);
}

/**
 * Verify a password against a stored hash: a versioned one ({@link PASSWORD_HASH_PREFIX}), or a plain
 * bcrypt hash from before. `false` (never a throw) for a malformed or unknown hash, and — for a plain
 * bcrypt hash — for a password longer than {@link PASSWORD_MAX_BYTES} (bcrypt would ignore its tail, so a
 * 72-byte password plus any suffix would otherwise also match).
 */
export async function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  try {
    if (passwordHash.startsWith(PASSWORD_HASH_PREFIX)) {
      return await verify(await prehash(password), passwordHash.slice(PASSWORD_HASH_PREFIX.length));
    }
    if (passwordHash.startsWith("$p2$")) return false; // a version this code does not know
    if (encoder.encode(password).length > PASSWORD_MAX_BYTES) return false;
    return await verify(password, passwordHash);
  } catch {
    return false;
  }
}

/**
 * A valid cost-10 hash (current version) of a random, discarded password. Verifying against it when an
 * account does not exist makes a failed login take as long as one with a wrong password.
 */
export const DUMMY_PASSWORD_HASH = "$p2$v1$$2b$10$uYixVpscLBwQuhGzKMINQetc7h1Vf/q0NPo9CT3iUM/D68Uz6CDVW";

/** Spend the time of one bcrypt verification without any account (timing equalisation). */
export async function dummyVerify(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_PASSWORD_HASH);
}
