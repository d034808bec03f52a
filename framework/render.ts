/**
 * Page rendering: page → layouts → `_app`, rendered with preact-render-to-string, then the island
 * assets (modulepreload links, state JSON, boot script) are added when — and only when — the page
 * rendered an island.
 * @module
 */
import { type ComponentType, Fragment, h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { BOOT_SCRIPT, type RenderRecord, withIslandRecord } from "./islands.ts";
import type { Manifest } from "./manifest.ts";
import { textResponse } from "./response.ts";
import { jsonForScript } from "./serialize.ts";
import type { AnyComponent, LayoutComponent, PageProps } from "./types.ts";

/** The wrappers a page renders inside. */
export interface RenderSetup {
  /** `_app.tsx` component, or null. */
  app: LayoutComponent<unknown> | null;
  /** Layout components, outermost first. */
  layouts: LayoutComponent<unknown>[];
}

/** Island assets resolved from the manifest once at startup. */
export class IslandAssets {
  readonly #islands = new Map<string, string[]>();
  readonly #urls = new Map<string, string>();
  readonly #runtime: string | null;
  readonly #runtimePreloads: string[];
  readonly #css: string | null;

  /** @param manifest the build manifest (null: no islands were built) */
  constructor(manifest: Manifest | null) {
    this.#runtime = manifest?.runtime?.js ?? null;
    this.#runtimePreloads = manifest?.runtime ? [manifest.runtime.js, ...manifest.runtime.imports] : [];
    this.#css = manifest?.islandCss ?? null;
    for (const [name, island] of Object.entries(manifest?.islands ?? {})) {
      this.#islands.set(name, [...island.imports, island.js]);
      this.#urls.set(name, island.js);
    }
  }

  /** Head and body additions for the islands a page rendered. */
  html(record: RenderRecord): { head: string; body: string } {
    if (record.islands.length === 0) return { head: "", body: "" };
    if (this.#runtime === null) throw new Error("Islands were rendered but no island bundle was built");
    const preload = new Set<string>(this.#runtimePreloads);
    const list: [string, string, number, unknown][] = [];
    for (const island of record.islands) {
      const urls = this.#islands.get(island.name);
      const url = this.#urls.get(island.name);
      if (!urls || !url) throw new Error(`Island "${island.name}" is not in the build manifest; rebuild`);
      for (const u of urls) preload.add(u);
      list.push([island.name, url, island.key, island.props]);
    }
    let head = this.#css ? `<link rel="stylesheet" href="${this.#css}">` : "";
    for (const u of preload) head += `<link rel="modulepreload" href="${u}">`;
    const state = jsonForScript({ runtime: this.#runtime, islands: list });
    const body = `<script type="application/json" id="__FRSH_STATE">${state}</script>` +
      `<script type="module">${BOOT_SCRIPT}</script>`;
    return { head, body };
  }
}

/** Everything one page render needs. */
export interface RenderArgs {
  setup: RenderSetup;
  /** The page component (rendered with the props) or a ready VNode; null renders only the wrappers. */
  content: AnyComponent | VNode | null;
  props: Omit<PageProps<unknown, unknown>, "Component">;
  assets: IslandAssets;
  /** Extra HTML appended to the body (dev reload script). */
  extraBody?: string;
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
  /** Leave out `_app` / the layouts (`ctx.render(vnode, init, config)`). */
  skipAppWrapper?: boolean;
  skipInheritedLayouts?: boolean;
}

const Empty: ComponentType = () => null;
const DEFAULT_HEAD = `<head><meta charset="utf-8"></head>`;

function isVNode(v: unknown): v is VNode {
  return typeof v === "object" && v !== null && (v as { constructor?: unknown }).constructor === undefined;
}

/** True for an `async function` component (Fresh's test: its constructor is `AsyncFunction`). */
export function isAsyncComponent(fn: unknown): fn is (props: unknown) => Promise<VNode | Response | null> {
  return typeof fn === "function" && fn.constructor.name === "AsyncFunction";
}

/**
 * Turns a component and its props into a VNode: a plain component becomes `h(fn, props)` (rendered
 * later), an `async` one is awaited now and may answer with a `Response` instead.
 */
async function componentNode(
  fn: AnyComponent,
  props: PageProps<unknown, unknown>,
): Promise<VNode | Response | null> {
  if (isAsyncComponent(fn)) return await fn(props);
  return h(fn as ComponentType<PageProps<unknown, unknown>>, props) as VNode;
}

/**
 * Renders a page: the content (page component or VNode), wrapped in the layouts from the inside out
 * and in `_app`, to a `text/html` response. Async components are awaited first; one that returns a
 * `Response` ends the render with it. A document without `<html>`, `<head>` or `<body>` gets them, as
 * in Fresh. Throws what the components throw.
 */
export async function renderPage(args: RenderArgs): Promise<Response> {
  const { setup, content, props } = args;
  let vnode: VNode | null;
  if (content === null) vnode = null;
  else if (isVNode(content)) vnode = content;
  else {
    const r = await componentNode(content, { ...props, Component: Empty });
    if (r instanceof Response) return r;
    vnode = r;
  }
  const layouts = args.skipInheritedLayouts ? [] : setup.layouts;
  for (let i = layouts.length - 1; i >= 0; i--) {
    const child = vnode;
    const r = await componentNode(layouts[i], { ...props, Component: () => child });
    if (r instanceof Response) return r;
    vnode = r;
  }
  if (setup.app && !args.skipAppWrapper) {
    const child = vnode;
    const r = await componentNode(setup.app, { ...props, Component: () => child });
    if (r instanceof Response) return r;
    vnode = r;
  }
  const root = vnode ?? h(Fragment, null);
  const { result, record } = withIslandRecord(() => renderToString(root));
  let html = result;
  const hasHtml = /^\s*<html[\s>]/.test(html);
  const hasHead = /<head[\s>]/.test(html);
  if (!/<body[\s>]/.test(html)) html = `<body>${html}</body>`;
  if (!hasHead) html = hasHtml ? html.replace(/^(\s*<html[^>]*>)/, `$1${DEFAULT_HEAD}`) : DEFAULT_HEAD + html;
  if (!hasHtml) html = `<html>${html}</html>`;
  const extra = args.assets.html(record);
  const head = extra.head;
  const body = extra.body + (args.extraBody ?? "");
  if (head) {
    const i = html.indexOf("</head>");
    html = i >= 0 ? html.slice(0, i) + head + html.slice(i) : head + html;
  }
  if (body) {
    const i = html.lastIndexOf("</body>");
    html = i >= 0 ? html.slice(0, i) + body + html.slice(i) : html + body;
  }
  const headers = new Headers(args.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
  return textResponse("<!DOCTYPE html>" + html, {
    status: args.status ?? 200,
    statusText: args.statusText,
    headers,
  });
}
