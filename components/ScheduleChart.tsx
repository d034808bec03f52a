import { type Fen, maxFen, sumFen } from "../domain/money/fen.ts";
import { formatFen } from "../domain/money/format.ts";
import type { Schedule } from "../domain/lending/schedule.ts";

/** Most bars drawn; longer schedules are grouped (e.g. 360 months → 60 bars of 6 periods). */
export const MAX_CHART_BARS = 60;

const WIDTH = 600;
const HEIGHT = 180;
const AXIS_HEIGHT = 2;
/** Same colours as `--brand` and `--accent` in static/styles.css (presentation attributes, no inline CSS). */
const PRINCIPAL_COLOUR = "#1f5fbf";
const INTEREST_COLOUR = "#d9363e";

/** One bar: a run of consecutive periods. */
interface Bar {
  first: number;
  last: number;
  principalFen: Fen;
  interestFen: Fen;
}

/** Groups the periods into at most `MAX_CHART_BARS` bars of equal length (the last may be shorter). */
function bars(schedule: Schedule): Bar[] {
  const perBar = Math.ceil(schedule.periods.length / MAX_CHART_BARS);
  const result: Bar[] = [];
  for (let i = 0; i < schedule.periods.length; i += perBar) {
    const group = schedule.periods.slice(i, i + perBar);
    result.push({
      first: group[0].period,
      last: group[group.length - 1].period,
      principalFen: sumFen(group.map((p) => p.principalFen)),
      interestFen: sumFen(group.map((p) => p.interestFen)),
    });
  }
  return result;
}

function periodLabel(bar: Bar): string {
  return bar.first === bar.last ? `第${bar.first}期` : `第${bar.first}–${bar.last}期`;
}

/** Rounds a pixel value to two decimals (display geometry only, never money). */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `part ÷ whole` as a float, for bar heights only (display geometry, never money). */
function ratio(part: Fen, whole: Fen): number {
  return Number(part) / Number(whole);
}

/**
 * The schedule as stacked bars (principal below, interest above) in inline SVG: server-rendered, no
 * script. Each bar has a `<title>` with its exact amounts. Renders nothing for a one-period schedule.
 */
export function ScheduleChart({ schedule }: { schedule: Schedule }) {
  if (schedule.periods.length < 2) return null;
  const list = bars(schedule);
  const tallest = maxFen(1n, ...list.map((b) => b.principalFen + b.interestFen));
  const plotHeight = HEIGHT - AXIS_HEIGHT;
  const slot = WIDTH / list.length;
  const barWidth = px(Math.max(1, slot * 0.7));
  const grouped = list[0].first !== list[0].last;
  return (
    <div class="chart" data-testid="schedule-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`每期还款构成：共${schedule.periods.length}期，蓝色为本金，红色为利息`}
      >
        {list.map((bar, i) => {
          const interestHeight = px(ratio(bar.interestFen, tallest) * plotHeight);
          const principalHeight = px(ratio(bar.principalFen, tallest) * plotHeight);
          const x = px(i * slot + (slot - barWidth) / 2);
          return (
            <g key={bar.first}>
              <title>
                {`${periodLabel(bar)}：本金 ${formatFen(bar.principalFen)}，利息 ${
                  formatFen(bar.interestFen)
                }`}
              </title>
              <rect
                x={x}
                y={px(plotHeight - principalHeight)}
                width={barWidth}
                height={principalHeight}
                fill={PRINCIPAL_COLOUR}
              />
              <rect
                x={x}
                y={px(plotHeight - principalHeight - interestHeight)}
                width={barWidth}
                height={interestHeight}
                fill={INTEREST_COLOUR}
              />
            </g>
          );
        })}
        <line x1="0" y1={plotHeight} x2={WIDTH} y2={plotHeight} stroke="#c9cdd4" stroke-width="1" />
      </svg>
      <p class="chart-legend">
        <span>
          <span class="swatch swatch-principal"></span>本金
        </span>
        <span>
          <span class="swatch swatch-interest"></span>利息
        </span>
        <span>
          {periodLabel({ ...list[0], last: list[list.length - 1].last })}
          {grouped ? `，每条 ${list[0].last - list[0].first + 1} 期` : ""}
        </span>
      </p>
    </div>
  );
}
