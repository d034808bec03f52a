import { formatCount } from "../domain/shared/count.ts";

/** One bar. */
export interface Bar {
  /** Label under the bar (e.g. `11-27`). */
  label: string;
  /** A count (`bigint`, as the database counts). */
  value: bigint;
  /** Full description for the tooltip and screen readers (e.g. `2026-11-27：3 人`). */
  title: string;
}

/**
 * A server-rendered SVG bar chart of counts (no script). The scale starts at 0 and its top is the largest
 * count (at least 1); a zero series draws empty bars on the axis. Counts are shown with `formatCount`; only
 * the geometry uses floats. The table of values stays readable to screen
 * readers through `<title>` elements and the caller's caption.
 */
export function BarChart(props: { bars: Bar[]; label: string; width?: number; height?: number }) {
  const width = props.width ?? 640;
  const height = props.height ?? 200;
  const top = 16;
  const bottom = 24;
  const left = 32;
  const plotH = height - top - bottom;
  const plotW = width - left - 8;
  const max = props.bars.reduce((m, b) => b.value > m ? b.value : m, 1n);
  const step = props.bars.length > 0 ? plotW / props.bars.length : plotW;
  const barW = Math.max(2, step * 0.6);
  /** Display geometry only: the ratio of two counts as a float. */
  const y = (v: bigint) => top + plotH - (Number(v) / Number(max)) * plotH;
  return (
    <svg
      class="bar-chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={props.label}
      preserveAspectRatio="xMidYMid meet"
    >
      <line x1={left} y1={top + plotH} x2={width - 8} y2={top + plotH} class="axis" />
      <text x={left - 4} y={top + 4} class="tick" text-anchor="end">{formatCount(max)}</text>
      <text x={left - 4} y={top + plotH} class="tick" text-anchor="end">0</text>
      {props.bars.map((b, i) => {
        const x = left + i * step + (step - barW) / 2;
        const h = Math.max(0, top + plotH - y(b.value));
        return (
          <g>
            <rect
              x={x.toFixed(1)}
              y={y(b.value).toFixed(1)}
              width={barW.toFixed(1)}
              height={h.toFixed(1)}
              class="bar"
            >
              <title>{b.title}</title>
            </rect>
            {b.value > 0n && (
              <text
                x={(x + barW / 2).toFixed(1)}
                y={(y(b.value) - 3).toFixed(1)}
                class="value"
                text-anchor="middle"
              >
                {formatCount(b.value)}
              </text>
            )}
            <text x={(x + barW / 2).toFixed(1)} y={height - 6} class="tick" text-anchor="middle">
              {b.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
