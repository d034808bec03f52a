/** The baseline for `deno task bench`: a plain `Deno.serve` hello world. */
const port = Number(Deno.env.get("PORT") ?? "8001");
Deno.serve(
  { port, hostname: "127.0.0.1", onListen: () => console.log(`hello on ${port}`) },
  () => new Response("Hello, world", { headers: { "content-type": "text/plain" } }),
);
