/**
 * `/fees` — 收费标准: the fee in force for every business type, and announced changes with their
 * effective dates. Public.
 */
import { page } from "../framework/mod.ts";
import { ScrollTable } from "../components/DataTable.tsx";
import { LocalTime } from "../components/LocalTime.tsx";
import {
  currentFees,
  describeFeeRule,
  FEE_BASIS,
  FEE_BUSINESS_LABELS,
  FEE_BUSINESS_TYPES,
  type FeeBusinessType,
  type StoredFeeRule,
  upcomingFees,
} from "../domain/payments/fees.ts";
import { define } from "../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "收费标准";
    const now = new Date();
    const [current, upcoming] = await Promise.all([
      currentFees(ctx.state.sql, now),
      upcomingFees(ctx.state.sql, now),
    ]);
    return page<{ current: Partial<Record<FeeBusinessType, StoredFeeRule>>; upcoming: StoredFeeRule[] }>({
      current,
      upcoming,
    });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1>收费标准</h1>
    <p class="muted">以下为现行收费标准，金额按四舍五入精确到分。收费调整将提前公布生效日期。</p>
    <ScrollTable testId="fees-current">
      <thead>
        <tr>
          <th scope="col" class="text">项目</th>
          <th scope="col" class="text">收费标准</th>
          <th scope="col" class="text">收取方式</th>
          <th scope="col">生效时间</th>
        </tr>
      </thead>
      <tbody>
        {FEE_BUSINESS_TYPES.map((t) => {
          const rule = data.current[t];
          return (
            <tr>
              <td class="text">{FEE_BUSINESS_LABELS[t]}</td>
              <td class="text">{rule ? describeFeeRule(rule.rule) : "免费"}</td>
              <td class="text">{FEE_BASIS[t]}</td>
              <td>{rule ? <LocalTime at={rule.effectiveFrom} /> : "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </ScrollTable>
    {data.upcoming.length > 0 && (
      <section aria-labelledby="fees-upcoming">
        <h2 id="fees-upcoming">即将生效的调整</h2>
        <ScrollTable testId="fees-upcoming">
          <thead>
            <tr>
              <th scope="col" class="text">项目</th>
              <th scope="col" class="text">新收费标准</th>
              <th scope="col">生效时间</th>
            </tr>
          </thead>
          <tbody>
            {data.upcoming.map((r) => (
              <tr>
                <td class="text">{FEE_BUSINESS_LABELS[r.businessType]}</td>
                <td class="text">{describeFeeRule(r.rule)}</td>
                <td>
                  <LocalTime at={r.effectiveFrom} withTime />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      </section>
    )}
  </>
));
