import assert from "node:assert/strict";
import { createDefine, HttpError, page } from "../../framework/mod.ts";

type State = { user: { id: string } | null; csrfToken: string };
const define = createDefine<State>();

// Handlers with different page data per method: props.data is their union.
const handler = define.handlers({
  GET(ctx) {
    if (ctx.params.id === "x") return new Response("x");
    return page({ loan: { id: ctx.state.csrfToken } });
  },
  async POST(_ctx) {
    await Promise.resolve();
    return page({ errors: { amount: ["必填"] } }, { status: 422 });
  },
});
const Page = define.page<typeof handler>(({ data }) => {
  const d: { loan: { id: string } } | { errors: { amount: string[] } } = data;
  // @ts-expect-error data is not a number
  const n: number = data;
  return <p>{String(d)}{n}</p>;
});

// Explicit data type, and a handler function.
const counted = define.handlers<{ count: number }>({ GET: () => page({ count: 1 }) });
const Counted = define.page<typeof counted>(({ data }) => <p>{data.count}</p>);
const fn = define.handlers((ctx) => page({ path: ctx.url.pathname }));
const FnPage = define.page<typeof fn>(({ data }) => <p>{data.path}</p>);
const Layout = define.layout(({ Component, state }) => (
  <div title={state.csrfToken}>
    <Component />
  </div>
));
const mw = define.middleware((ctx) => ctx.next());

Deno.test("createDefine helpers return their argument; page() and HttpError carry their data", () => {
  assert.equal(typeof Page, "function");
  assert.equal(typeof Counted, "function");
  assert.equal(typeof FnPage, "function");
  assert.equal(typeof Layout, "function");
  assert.equal(typeof mw, "function");
  assert.equal(define.handlers(handler), handler);
  // Fresh's shape: a plain object, which a handler may also write by hand
  assert.deepEqual(page({ a: 1 }, { status: 201, headers: { x: "y" } }), {
    data: { a: 1 },
    status: 201,
    headers: { x: "y" },
  });
  assert.deepEqual(page(), { data: undefined, status: undefined, headers: undefined });
  const err = new HttpError(404);
  assert.equal(err.status, 404);
  assert.equal(err.message, "Not Found");
  assert.ok(err instanceof Error);
  assert.equal(new HttpError(400, "坏请求").message, "坏请求");
});
