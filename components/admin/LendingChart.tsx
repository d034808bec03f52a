import { formatFen } from "../../domain/money/format.ts";
import type { LendingDay } from "../../domain/admin/dashboard.ts";
import { PairedBarChart } from "../PairedBarChart.tsx";

/**
 * Bid volume and repayments per day as paired bars in inline SVG (server-rendered, no script), like the
 * account overview's month chart: each day has a `<title>` with its exact amounts; the legend gives the
 * totals and which colour is which.
 */
export function LendingChart({ days }: { days: LendingDay[] }) {
  return (
    <PairedBarChart
      days={days.map((d) => ({ day: d.day, firstFen: d.bidFen, secondFen: d.repaidFen }))}
      firstLabel="投标"
      secondLabel="还款"
      ariaLabel={(totalBid, totalRepaid) =>
        `近 ${days.length} 天投标额 ${formatFen(totalBid)}，还款额 ${
          formatFen(totalRepaid)
        }；红色为投标，蓝色为还款`}
      testId="lending-chart"
      tick={(day, i, count) => (i === 0 || i === count - 1 || i % 7 === 0 ? day.slice(5) : null)}
    />
  );
}
