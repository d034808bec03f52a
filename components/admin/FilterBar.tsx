import type { ComponentChildren } from "preact";

/**
 * A list's filter bar: a GET form (the filters live in the URL) with its fields, then 筛选, 重置 (the
 * unfiltered list) and any further actions (e.g. an export link).
 */
export function FilterBar(
  props: { action: string; label: string; actions?: ComponentChildren; children: ComponentChildren },
) {
  return (
    <form method="get" action={props.action} class="admin-filters" role="search" aria-label={props.label}>
      {props.children}
      <div class="btn-row">
        <button class="btn" type="submit">筛选</button>
        <a class="btn btn-secondary" href={props.action}>重置</a>
        {props.actions}
      </div>
    </form>
  );
}

/** A filter's error as the `errors` of a field (none when valid). */
export function fieldErrors(error: string | undefined): string[] | undefined {
  return error ? [error] : undefined;
}
