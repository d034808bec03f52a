/**
 * Configuration of the web layer (`framework/`): defaults for `App` and for `framework/build.ts`.
 * @module
 */
import type { FreshConfig } from "./framework/config.ts";

export default {
  /** Port `App.listen()` uses when none is given (main.ts may override it from `PORT`). */
  port: 8000,
  /** Build output (manifest, island bundles, precompressed assets), relative to the project root. */
  buildDir: "_build",
  /** static/styles.css carries `frsh-island{display:contents}`: no extra stylesheet request. */
  islandStylesheet: false,
} satisfies FreshConfig;
