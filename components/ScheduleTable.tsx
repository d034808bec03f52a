import { formatFen } from "../domain/money/format.ts";
import type { Schedule } from "../domain/lending/schedule.ts";
import { ScrollTable } from "./DataTable.tsx";

/** Props of {@link ScheduleTable}. */
export interface ScheduleTableProps {
  schedule: Schedule;
  /** Visible caption; defaults to 「还款计划」. */
  caption?: string;
}

/**
 * A repayment schedule as an exact table (期数, 还款额, 本金, 利息, 剩余本金) with totals in the footer.
 * Pure markup, no script: rendered on the server and inside the calculator island.
 */
export function ScheduleTable({ schedule, caption = "还款计划" }: ScheduleTableProps) {
  const single = schedule.periods.length === 1;
  return (
    <ScrollTable testId="schedule-table">
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">期数</th>
          <th scope="col">还款额</th>
          <th scope="col">本金</th>
          <th scope="col">利息</th>
          <th scope="col">剩余本金</th>
        </tr>
      </thead>
      <tbody>
        {schedule.periods.map((p) => (
          <tr key={p.period}>
            <th scope="row">{single ? "到期" : `第${p.period}期`}</th>
            <td>{formatFen(p.paymentFen)}</td>
            <td>{formatFen(p.principalFen)}</td>
            <td>{formatFen(p.interestFen)}</td>
            <td>{formatFen(p.remainingFen)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td>合计</td>
          <td>{formatFen(schedule.totalPaymentFen)}</td>
          <td>{formatFen(schedule.principalFen)}</td>
          <td>{formatFen(schedule.totalInterestFen)}</td>
          <td></td>
        </tr>
      </tfoot>
    </ScrollTable>
  );
}
