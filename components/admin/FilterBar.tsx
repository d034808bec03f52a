import type { ComponentChildren } from "preact";
import { CsrfField } from "../Field.tsx";

/**
 * A list's filter bar with its fields, then 筛选, 重置 (the unfiltered list) and any further actions (e.g.
 * an export button). A GET form by default (the filters live in the URL); with `csrfToken` it is a POST
 * form (for filters that must not appear in a URL, such as a phone number) whose 筛选 button submits
 * `intent=search`.
 */
export function FilterBar(
  props: {
    action: string;
    label: string;
    /** Makes it a POST form carrying this CSRF token. */
    csrfToken?: string;
    actions?: ComponentChildren;
    children: ComponentChildren;
  },
) {
  const post = props.csrfToken !== undefined;
  return (
    <form
      method={post ? "post" : "get"}
      action={props.action}
      class="admin-filters"
      role="search"
      aria-label={props.label}
    >
      {post && <CsrfField token={props.csrfToken!} />}
      {props.children}
      <div class="btn-row">
        {post
          ? <button class="btn" type="submit" name="intent" value="search">筛选</button>
          : <button class="btn" type="submit">筛选</button>}
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
