import { type Fen, maxFen } from "../domain/money/fen.ts";
import { formatFen } from "../domain/money/format.ts";

const WIDTH = 620;
const HEIGHT = 170;
const TOP = 8;
const BOTTOM = 18;
/** Same colours as `--accent` / `--brand` in static/styles.css (presentation attributes, no inline CSS). */
const FIRST_COLOUR = "#d9363e";
const SECOND_COLOUR = "#1f5fbf";

/** Rounds a pixel value to two decimals (display geometry only, never money). */
function px(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One day of a {@link PairedBarChart}: two amounts (red first, blue second). */
export interface PairedBarDay {
  /** `YYYY-MM-DD`. */
  day: string;
  firstFen: Fen;
  secondFen: Fen;
}

/** Props of {@link PairedBarChart}. */
export interface PairedBarChartProps {
  days: PairedBarDay[];
  /** Names of the two series (e.g. 流入 / 流出). */
  firstLabel: string;
  secondLabel: string;
  /** The chart's accessible name, given the two totals. */
  ariaLabel: (totalFirst: Fen, totalSecond: Fen) => string;
  testId: string;
  /** The axis label under day `i`, or `null` for none. */
  tick: (day: string, i: number, count: number) => string | null;
}

/**
 * Two amounts per day as paired bars in inline SVG: server-rendered, no script. Each day has a `<title>`
 * with its exact amounts; the legend gives the totals and which colour is which (red first, blue second).
 * Used by the account overview's month chart and the admin dashboard's lending chart.
 */
export function PairedBarChart(props: PairedBarChartProps) {
  const { days } = props;
  const tallest = maxFen(1n, ...days.map((d) => d.firstFen), ...days.map((d) => d.secondFen));
  const plot = HEIGHT - TOP - BOTTOM;
  const slot = WIDTH / Math.max(days.length, 1);
  const barW = px(Math.max(1, slot * 0.35));
  // a bar's height as a float (display geometry, never money)
  const height = (fen: Fen) => px(Number(fen) / Number(tallest) * plot);
  const totalFirst = days.reduce((s, d) => s + d.firstFen, 0n);
  const totalSecond = days.reduce((s, d) => s + d.secondFen, 0n);
  return (
    <figure class="chart" data-testid={props.testId}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={props.ariaLabel(totalFirst, totalSecond)}
      >
        <line x1={0} y1={TOP + plot} x2={WIDTH} y2={TOP + plot} stroke="#d0d5dd" stroke-width={1} />
        {days.map((d, i) => {
          const firstH = height(d.firstFen);
          const secondH = height(d.secondFen);
          const x = px(i * slot + slot / 2 - barW);
          const tick = props.tick(d.day, i, days.length);
          return (
            <g key={d.day}>
              <title>
                {`${d.day}：${props.firstLabel} ${formatFen(d.firstFen)}，${props.secondLabel} ${
                  formatFen(d.secondFen)
                }`}
              </title>
              {firstH > 0 && (
                <rect x={x} y={px(TOP + plot - firstH)} width={barW} height={firstH} fill={FIRST_COLOUR} />
              )}
              {secondH > 0 && (
                <rect
                  x={px(x + barW)}
                  y={px(TOP + plot - secondH)}
                  width={barW}
                  height={secondH}
                  fill={SECOND_COLOUR}
                />
              )}
              {tick !== null && (
                <text
                  x={px(i * slot + slot / 2)}
                  y={HEIGHT - 4}
                  font-size="11"
                  fill="#667085"
                  text-anchor="middle"
                >
                  {tick}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="chart-legend">
        <span>
          <span class="swatch swatch-interest" aria-hidden="true"></span> {props.firstLabel}{" "}
          {formatFen(totalFirst)}
        </span>
        <span>
          <span class="swatch swatch-principal" aria-hidden="true"></span> {props.secondLabel}{" "}
          {formatFen(totalSecond)}
        </span>
      </figcaption>
    </figure>
  );
}
