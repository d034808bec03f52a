import { type Fen, maxFen } from "../domain/money/fen.ts";
import { formatFen } from "../domain/money/format.ts";
import type { DayMovement } from "../domain/investor/account_overview.ts";

const WIDTH = 620;
const HEIGHT = 170;
const TOP = 8;
const BOTTOM = 18;
/** Same colours as `--accent` / `--brand` in static/styles.css (presentation attributes, no inline CSS). */
const IN_COLOUR = "#d9363e";
const OUT_COLOUR = "#1f5fbf";

/** Rounds a pixel value to two decimals (display geometry only, never money). */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `part ÷ whole` as a float, for bar heights only (display geometry, never money). */
function ratio(part: Fen, whole: Fen): number {
  return Number(part) / Number(whole);
}

/**
 * This month's money in and out per day as paired bars in inline SVG: server-rendered, no script. Each
 * day has a `<title>` with its exact amounts; the caption and legend say which colour is which.
 */
export function MovementChart({ days }: { days: DayMovement[] }) {
  const tallest = maxFen(1n, ...days.map((d) => d.inFen), ...days.map((d) => d.outFen));
  const plot = HEIGHT - TOP - BOTTOM;
  const slot = WIDTH / Math.max(days.length, 1);
  const barW = px(Math.max(1, slot * 0.35));
  const totalIn = days.reduce((s, d) => s + d.inFen, 0n);
  const totalOut = days.reduce((s, d) => s + d.outFen, 0n);
  return (
    <figure class="chart" data-testid="movement-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`本月资金变动：流入 ${formatFen(totalIn)}，流出 ${
          formatFen(totalOut)
        }；红色为流入，蓝色为流出`}
      >
        <line x1={0} y1={TOP + plot} x2={WIDTH} y2={TOP + plot} stroke="#d0d5dd" stroke-width={1} />
        {days.map((d, i) => {
          const inH = px(ratio(d.inFen, tallest) * plot);
          const outH = px(ratio(d.outFen, tallest) * plot);
          const x = px(i * slot + slot / 2 - barW);
          const dayOfMonth = Number(d.day.slice(8));
          return (
            <g key={d.day}>
              <title>{`${d.day}：流入 ${formatFen(d.inFen)}，流出 ${formatFen(d.outFen)}`}</title>
              {inH > 0 && <rect x={x} y={px(TOP + plot - inH)} width={barW} height={inH} fill={IN_COLOUR} />}
              {outH > 0 && (
                <rect
                  x={px(x + barW)}
                  y={px(TOP + plot - outH)}
                  width={barW}
                  height={outH}
                  fill={OUT_COLOUR}
                />
              )}
              {(dayOfMonth === 1 || dayOfMonth % 5 === 0) && (
                <text
                  x={px(i * slot + slot / 2)}
                  y={HEIGHT - 4}
                  font-size="11"
                  fill="#667085"
                  text-anchor="middle"
                >
                  {dayOfMonth}日
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="chart-legend">
        <span>
          <span class="swatch swatch-interest" aria-hidden="true"></span> 流入 {formatFen(totalIn)}
        </span>
        <span>
          <span class="swatch swatch-principal" aria-hidden="true"></span> 流出 {formatFen(totalOut)}
        </span>
      </figcaption>
    </figure>
  );
}
