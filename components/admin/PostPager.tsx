import { CsrfField } from "../Field.tsx";

/**
 * Previous / next page of a list whose filters were posted (they must not appear in a URL): a POST form
 * carrying the filters as hidden fields, whose buttons submit the page number. Looks like {@link Pager}.
 */
export function PostPager(
  props: {
    action: string;
    page: number;
    pageCount: number;
    /** The posted filters to send again (name → value); empty values are left out. */
    fields: Record<string, string>;
    csrfToken: string;
  },
) {
  if (props.pageCount <= 1) return null;
  return (
    <form method="post" action={props.action} class="pager" aria-label="分页">
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="intent" value="search" />
      {Object.entries(props.fields).filter(([, v]) => v !== "").map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.page > 1
        ? <button class="btn btn-secondary" type="submit" name="page" value={props.page - 1}>上一页</button>
        : <span class="muted">上一页</span>}
      <span>第 {props.page} / {props.pageCount} 页</span>
      {props.page < props.pageCount
        ? <button class="btn btn-secondary" type="submit" name="page" value={props.page + 1}>下一页</button>
        : <span class="muted">下一页</span>}
    </form>
  );
}
