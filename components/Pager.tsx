/**
 * Previous / next page links that keep every other query parameter (the URL holds the list's state).
 */
export function Pager(props: { url: URL; page: number; pageCount: number; param?: string }) {
  const param = props.param ?? "page";
  const href = (page: number) => {
    const q = new URLSearchParams(props.url.searchParams);
    if (page <= 1) q.delete(param);
    else q.set(param, String(page));
    const s = q.toString();
    return s ? `${props.url.pathname}?${s}` : props.url.pathname;
  };
  if (props.pageCount <= 1) return null;
  return (
    <nav class="pager" aria-label="分页">
      {props.page > 1
        ? <a href={href(props.page - 1)} rel="prev">上一页</a>
        : <span class="muted">上一页</span>}
      <span>第 {props.page} / {props.pageCount} 页</span>
      {props.page < props.pageCount
        ? <a href={href(props.page + 1)} rel="next">下一页</a>
        : <span class="muted">下一页</span>}
    </nav>
  );
}
