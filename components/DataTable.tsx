import type { ComponentChildren } from "preact";

/**
 * A table that scrolls sideways on a narrow screen inside a keyboard-focusable region (`.table-wrap`,
 * `tabindex=0`, `role=region` with a label), so keyboard users can scroll it too (WCAG 2.1.1).
 * Pure markup, no script: usable on the server and inside islands.
 */
export function ScrollTable(
  props: { tableClass?: string; testId?: string; children: ComponentChildren },
) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="数据表格（可左右滑动查看）">
      <table class={props.tableClass ?? "data"} data-testid={props.testId}>{props.children}</table>
    </div>
  );
}

/** One column of a {@link DataTable}. */
export interface Column<T> {
  /** The header text. */
  header: string;
  /** A text column: left-aligned (class `text` on header and cells); numbers and times align right. */
  text?: boolean;
  /** More classes of the cells (after `text`), e.g. `mono`. */
  cellClass?: string;
  /** The content of the cell of `row`. */
  cell: (row: T) => ComponentChildren;
  /** The cell's `title` (e.g. the full text of a shortened cell). */
  title?: (row: T) => string;
}

/** Props of {@link DataTable}. */
export interface DataTableProps<T> {
  columns: readonly Column<T>[];
  rows: readonly T[];
  /** Classes of the `<table>`; defaults to `data admin-table`. */
  tableClass?: string;
  /** A one-cell footer row across all columns (totals). */
  footer?: ComponentChildren;
  /** What an empty list says (`<p class="empty">`), shown below the (empty) table. */
  empty?: ComponentChildren;
  /** With `empty`: an empty list shows only the message, no table. */
  hideEmptyTable?: boolean;
}

function cellClass<T>(column: Column<T>): string | undefined {
  const classes = [column.text ? "text" : "", column.cellClass ?? ""].filter(Boolean).join(" ");
  return classes || undefined;
}

/**
 * A list as a scrollable data table: a header row of column headers, a row per item, an optional totals
 * footer and an empty-state message.
 */
export function DataTable<T>(props: DataTableProps<T>) {
  const isEmpty = props.rows.length === 0;
  const message = isEmpty && props.empty !== undefined ? <p class="empty">{props.empty}</p> : null;
  if (message && props.hideEmptyTable) return message;
  return (
    <>
      <ScrollTable tableClass={props.tableClass ?? "data admin-table"}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.header} scope="col" class={c.text ? "text" : undefined}>{c.header}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {props.columns.map((c) => (
                <td key={c.header} class={cellClass(c)} title={c.title?.(row)}>{c.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
        {props.footer !== undefined && (
          <tfoot>
            <tr>
              <td colSpan={props.columns.length} class="text">{props.footer}</td>
            </tr>
          </tfoot>
        )}
      </ScrollTable>
      {message}
    </>
  );
}
