import { formatFen } from "../domain/money/format.ts";
import type { DayMovement } from "../domain/investor/account_overview.ts";
import { PairedBarChart } from "./PairedBarChart.tsx";

/**
 * This month's money in and out per day as paired bars in inline SVG: server-rendered, no script. Each
 * day has a `<title>` with its exact amounts; the caption and legend say which colour is which.
 */
export function MovementChart({ days }: { days: DayMovement[] }) {
  return (
    <PairedBarChart
      days={days.map((d) => ({ day: d.day, firstFen: d.inFen, secondFen: d.outFen }))}
      firstLabel="流入"
      secondLabel="流出"
      ariaLabel={(totalIn, totalOut) =>
        `本月资金变动：流入 ${formatFen(totalIn)}，流出 ${formatFen(totalOut)}；红色为流入，蓝色为流出`}
      testId="movement-chart"
      tick={(day) => {
        const dayOfMonth = Number(day.slice(8));
        return dayOfMonth === 1 || dayOfMonth % 5 === 0 ? `${dayOfMonth}日` : null;
      }}
    />
  );
}
