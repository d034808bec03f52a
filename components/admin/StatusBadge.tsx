import type { ComponentChildren } from "preact";

/** A state as a badge: plain when all is well (在职, 正常), the warning colour otherwise. */
export function StatusBadge(props: { ok: boolean; children: ComponentChildren }) {
  return <span class={props.ok ? "badge" : "badge badge-warn"}>{props.children}</span>;
}
