/**
 * The investor risk questionnaire (风险测评), pure: the questions of one version, scoring and the level.
 * Each question has 4–5 options worth 0–4 points (higher = more able and willing to bear loss); the total
 * decides the level C1 保守 … C5 进取 by {@link LEVEL_BANDS}. A new wording or scoring is a new
 * {@link QUESTIONNAIRE_VERSION}; stored results keep the version they were scored with.
 * @module
 */

/** Version of the questions and scoring below. */
export const QUESTIONNAIRE_VERSION = "2026.1";

/** How long a result stays valid (months). */
export const ASSESSMENT_VALID_MONTHS = 12;

/** Investor risk levels, from the most cautious. */
export const RISK_LEVELS = ["C1", "C2", "C3", "C4", "C5"] as const;
/** An investor risk level. */
export type RiskLevel = typeof RISK_LEVELS[number];

/** Loan risk grades, from the safest. */
export const LOAN_GRADES = ["R1", "R2", "R3", "R4", "R5"] as const;
/** A loan risk grade. */
export type LoanGrade = typeof LOAN_GRADES[number];

/** Chinese names of the levels. */
export const RISK_LEVEL_LABELS: Readonly<Record<RiskLevel, string>> = {
  C1: "保守型",
  C2: "稳健型",
  C3: "平衡型",
  C4: "成长型",
  C5: "进取型",
};

/** One option of a question. */
export interface QuestionOption {
  id: string;
  text: string;
  points: number;
}

/** One question. */
export interface Question {
  id: string;
  text: string;
  options: readonly QuestionOption[];
}

const opts = (...texts: string[]): QuestionOption[] =>
  texts.map((text, i) => ({ id: String.fromCharCode(97 + i), text, points: i }));

/** The questions of {@link QUESTIONNAIRE_VERSION}, in order. */
export const QUESTIONS: readonly Question[] = [
  {
    id: "age",
    text: "您的年龄段是？",
    options: [
      { id: "a", text: "65 岁以上", points: 0 },
      { id: "b", text: "56–65 岁", points: 1 },
      { id: "c", text: "18–25 岁", points: 2 },
      { id: "d", text: "46–55 岁", points: 3 },
      { id: "e", text: "26–45 岁", points: 4 },
    ],
  },
  {
    id: "income",
    text: "您家庭的年收入约为？",
    options: opts("10 万元以下", "10–30 万元", "30–50 万元", "50–100 万元", "100 万元以上"),
  },
  {
    id: "income_stability",
    text: "您的收入来源是否稳定？",
    options: opts("无固定收入", "收入不稳定", "收入较稳定", "收入稳定且有结余"),
  },
  {
    id: "asset_share",
    text: "您计划用于出借的资金占您家庭金融资产的比例是？",
    options: opts("50% 以上", "30%–50%", "10%–30%", "10% 以下"),
  },
  {
    id: "debt",
    text: "您目前的负债情况是？",
    options: opts("负债较重，月还款超过收入一半", "有一定负债", "负债很少", "没有负债"),
  },
  {
    id: "experience_years",
    text: "您有多少年投资经验（股票、基金、债券、网络借贷等）？",
    options: opts("没有经验", "1 年以下", "1–3 年", "3–5 年", "5 年以上"),
  },
  {
    id: "experience_kind",
    text: "您投资过以下哪类最高风险的品种？",
    options: opts(
      "仅银行存款",
      "债券、货币基金",
      "混合基金、网络借贷",
      "股票、股票基金",
      "期货、期权等衍生品",
    ),
  },
  {
    id: "knowledge",
    text: "您对网络借贷的了解程度是？",
    options: opts("完全不了解", "了解很少", "基本了解，知道出借可能无法收回本息", "非常了解"),
  },
  {
    id: "horizon",
    text: "您计划的出借期限是？",
    options: opts("3 个月以内", "3–6 个月", "6–12 个月", "1–3 年", "3 年以上"),
  },
  {
    id: "goal",
    text: "您出借的主要目的是？",
    options: opts(
      "保持资金安全，不能接受任何损失",
      "获得略高于存款的回报",
      "在可承受的波动下获得较高回报",
      "追求高回报，愿意承担较大损失",
    ),
  },
  {
    id: "loss_tolerance",
    text: "您能承受的最大本金损失是？",
    options: opts("不能承受任何损失", "10% 以内", "10%–30%", "30%–50%", "50% 以上"),
  },
  {
    id: "loss_reaction",
    text: "如果出借的借款出现逾期，您会？",
    options: opts(
      "非常焦虑，立即要求退出",
      "比较担心",
      "能够理解，耐心等待催收结果",
      "视为正常风险，继续按计划出借",
    ),
  },
];

/** Score bands (inclusive minimums), from the highest level down. */
export const LEVEL_BANDS: readonly { level: RiskLevel; minScore: number }[] = [
  { level: "C5", minScore: 37 },
  { level: "C4", minScore: 29 },
  { level: "C3", minScore: 20 },
  { level: "C2", minScore: 11 },
  { level: "C1", minScore: 0 },
];

/** Highest possible score of {@link QUESTIONS}. */
export const MAX_SCORE: number = QUESTIONS.reduce(
  (s, q) => s + Math.max(...q.options.map((o) => o.points)),
  0,
);

/** The level of a total score. */
export function levelForScore(score: number): RiskLevel {
  for (const band of LEVEL_BANDS) if (score >= band.minScore) return band.level;
  return "C1";
}

/** Outcome of {@link scoreAnswers}. */
export type ScoreResult =
  | { ok: true; answers: Record<string, string>; score: number; level: RiskLevel }
  | { ok: false; code: "incomplete"; fields: Record<string, string[]> };

/**
 * Score a questionnaire: every question needs one known option. `answers` maps question id → option id;
 * unknown question ids are ignored. Returns the cleaned answers, score and level, or — code `incomplete` —
 * a Chinese message for each unanswered or invalid question.
 */
export function scoreAnswers(answers: Readonly<Record<string, string | undefined>>): ScoreResult {
  const fields: Record<string, string[]> = {};
  const clean: Record<string, string> = {};
  let score = 0;
  for (const q of QUESTIONS) {
    const chosen = answers[q.id];
    const option = q.options.find((o) => o.id === chosen);
    if (!option) {
      fields[q.id] = [chosen ? "请从选项中选择" : "请回答此题"];
      continue;
    }
    clean[q.id] = option.id;
    score += option.points;
  }
  if (Object.keys(fields).length > 0) return { ok: false, code: "incomplete", fields };
  return { ok: true, answers: clean, score, level: levelForScore(score) };
}

/** When a result taken at `at` expires: {@link ASSESSMENT_VALID_MONTHS} months later (end of month clamped). */
export function assessmentExpiry(at: Date): Date {
  const out = new Date(at.getTime());
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + ASSESSMENT_VALID_MONTHS);
  const lastDay = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, lastDay));
  return out;
}
