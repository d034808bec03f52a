/**
 * The loan calculator (借款计算器) island: the GET form and its result. Rendered on the server first (the
 * form works without script: it submits to `/calculator`), then recomputes on every keystroke in the
 * browser with signals, validating with the zod-free `validateCalculatorDraft` and computing with the
 * exact `computeSchedule`. Imports only pure domain code and server-safe components.
 * @module
 */
import { useComputed, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { JSX } from "preact";
import {
  type CalculatorDraft,
  type TermUnit,
  validateCalculatorDraft,
} from "../domain/lending/calculator_input.ts";
import type { Fen } from "../domain/money/fen.ts";
import { formatFen } from "../domain/money/format.ts";
import {
  computeSchedule,
  isRepaymentMethod,
  REPAYMENT_METHOD_LABELS,
  REPAYMENT_METHODS,
  type Schedule,
} from "../domain/lending/schedule.ts";
import { ScheduleChart } from "../components/ScheduleChart.tsx";
import { ScheduleTable } from "../components/ScheduleTable.tsx";

/** Props of the calculator island (plain data only). */
export interface CalculatorProps {
  /** What the form shows first: the defaults, or what the user submitted. */
  initial: CalculatorDraft;
}

/** The headline figures of a schedule, worded for its method. */
function headline(schedule: Schedule): { label: string; fen: Fen; note: string | null } {
  const periods = schedule.periods;
  const first = periods[0];
  const last = periods[periods.length - 1];
  switch (schedule.method) {
    case "equal_installment":
      return {
        label: "每月还款",
        fen: first.paymentFen,
        note: periods.length > 1 && last.paymentFen !== first.paymentFen
          ? `末期还款 ${formatFen(last.paymentFen)}（含尾差调整）`
          : null,
      };
    case "equal_principal":
      return {
        label: "首期还款",
        fen: first.paymentFen,
        note: periods.length > 1 ? `此后逐月递减，末期还款 ${formatFen(last.paymentFen)}` : null,
      };
    case "interest_first":
      return {
        label: "每月付息",
        fen: first.interestFen,
        note: `末期还款 ${formatFen(last.paymentFen)}（归还全部本金及当期利息）`,
      };
    case "bullet":
      return { label: "到期还款", fen: last.paymentFen, note: "到期一次性归还本金和利息" };
  }
}

/** The term units the form offers, with their labels. */
const TERM_UNITS: readonly [TermUnit, string][] = [["month", "按月"], ["day", "按天"]];

type InputEvent = JSX.TargetedEvent<HTMLInputElement | HTMLSelectElement, Event>;

/** The loan calculator: form on the left (top on phones), live result on the right (below). */
export default function Calculator({ initial }: CalculatorProps) {
  const principal = useSignal(initial.principal);
  const annualRate = useSignal(initial.annualRate);
  const term = useSignal(initial.term);
  const termUnit = useSignal<TermUnit>(initial.termUnit);
  const method = useSignal(initial.method);
  const touched = useSignal(false);

  const draft = useComputed<CalculatorDraft>(() => ({
    principal: principal.value,
    annualRate: annualRate.value,
    term: term.value,
    termUnit: termUnit.value,
    method: method.value,
  }));
  const check = useComputed(() => validateCalculatorDraft(draft.value));
  const schedule = useComputed(() => (check.value.ok ? computeSchedule(check.value.value) : null));

  // Keep the address shareable once the user has changed something (the form's own GET keys).
  useEffect(() => {
    if (!touched.value || !check.value.ok) return;
    const query = new URLSearchParams({ ...draft.value });
    history.replaceState(history.state, "", `${location.pathname}?${query}`);
  }, [draft.value, touched.value]);

  const errors = check.value.ok ? {} : check.value.fields;
  const set = (target: { value: string }) => (event: InputEvent) => {
    target.value = event.currentTarget.value;
    touched.value = true;
  };
  const described = (name: string, hint: boolean) =>
    [hint ? `calc-${name}-hint` : "", errors[name] ? `calc-${name}-error` : ""].filter(Boolean).join(" ") ||
    undefined;
  /** A text field of the form, bound to its signal; its hint and error describe it. */
  const textInput = (
    name: "principal" | "annualRate" | "term",
    target: { value: string },
    inputMode: "decimal" | "numeric",
    maxLength: number,
  ) => (
    <input
      id={`calc-${name}`}
      name={name}
      type="text"
      inputMode={inputMode}
      autocomplete="off"
      maxLength={maxLength}
      value={target.value}
      onInput={set(target)}
      aria-invalid={errors[name] ? "true" : undefined}
      aria-describedby={described(name, true)}
    />
  );
  const error = (name: string) =>
    errors[name] && <p class="field-error" id={`calc-${name}-error`} role="alert">{errors[name][0]}</p>;

  const result = schedule.value;
  const top = result && headline(result);

  return (
    <div class="calc-grid">
      <form class="card stack" method="get" action="/calculator" novalidate aria-label="借款计算器">
        <div class="form-field">
          <label for="calc-principal">借款金额（元）</label>
          {textInput("principal", principal, "decimal", 16)}
          <p class="hint" id="calc-principal-hint">0.01 元至 1 亿元，最多两位小数</p>
          {error("principal")}
        </div>
        <div class="form-field">
          <label for="calc-annualRate">约定年化利率（%）</label>
          {textInput("annualRate", annualRate, "decimal", 8)}
          <p class="hint" id="calc-annualRate-hint">0%–36%，最多四位小数</p>
          {error("annualRate")}
        </div>
        <div class="form-field">
          <label for="calc-term">借款期限</label>
          {textInput("term", term, "numeric", 3)}
          <div class="radio-row" role="radiogroup" aria-label="期限单位">
            {TERM_UNITS.map(([unit, label]) => (
              <label class="choice" key={unit}>
                <input
                  type="radio"
                  name="termUnit"
                  value={unit}
                  checked={termUnit.value === unit}
                  onChange={() => {
                    termUnit.value = unit;
                    touched.value = true;
                  }}
                />
                {label}
              </label>
            ))}
          </div>
          <p class="hint" id="calc-term-hint">1–360 个月；按天（1–365 天）仅适用于到期还本付息</p>
          {error("term")}
        </div>
        <div class="form-field">
          <label for="calc-method">还款方式</label>
          <select
            id="calc-method"
            name="method"
            value={method.value}
            onChange={set(method)}
            aria-invalid={errors.method ? "true" : undefined}
            aria-describedby={described("method", false)}
          >
            {!isRepaymentMethod(method.value) && <option value="">请选择</option>}
            {REPAYMENT_METHODS.map((m) => (
              <option key={m} value={m} selected={m === method.value}>{REPAYMENT_METHOD_LABELS[m]}</option>
            ))}
          </select>
          {error("method")}
        </div>
        <button type="submit" class="btn btn-block">计算</button>
      </form>

      <section class="card" aria-labelledby="calc-result-title" data-testid="calc-result">
        <h2 id="calc-result-title">计算结果</h2>
        {result && top
          ? (
            <>
              <div class="summary" aria-live="polite">
                <div>
                  <div class="label">{top.label}</div>
                  <div class="value rate" data-testid="calc-first-payment">{formatFen(top.fen)}</div>
                </div>
                <div>
                  <div class="label">利息总额</div>
                  <div class="value" data-testid="calc-total-interest">
                    {formatFen(result.totalInterestFen)}
                  </div>
                </div>
                <div>
                  <div class="label">还款总额</div>
                  <div class="value" data-testid="calc-total-payment">
                    {formatFen(result.totalPaymentFen)}
                  </div>
                </div>
              </div>
              {top.note && <p class="muted">{top.note}</p>}
              <ScheduleChart schedule={result} />
              <h3>还款计划（{REPAYMENT_METHOD_LABELS[result.method]}）</h3>
              <ScheduleTable schedule={result} />
            </>
          )
          : <p class="empty" data-testid="calc-invalid">请按提示修正输入后查看计算结果。</p>}
        <p class="risk-note">计算结果仅供参考，实际还款金额以借款合同及还款计划为准。</p>
      </section>
    </div>
  );
}
