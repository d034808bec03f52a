import { asset } from "../framework/mod.ts";
import { PLATFORM_NAME } from "../domain/shared/brand.ts";
import { define } from "../utils.ts";

/** The HTML shell of every page. */
export default define.page(function App({ Component, state }) {
  return (
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="format-detection" content="telephone=no" />
        <title>{state.title ? `${state.title} - ${PLATFORM_NAME}` : PLATFORM_NAME}</title>
        <link rel="icon" type="image/svg+xml" href={asset("/favicon.svg")} />
        <link rel="stylesheet" href={asset("/styles.css")} />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
});
