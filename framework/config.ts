/**
 * The layer's configuration, read from `fresh.config.ts` at the repository root.
 * @module
 */
import userConfig from "../fresh.config.ts";

/** Shape of `fresh.config.ts`. */
export interface FreshConfig {
  /** Default port for `App.listen()`. */
  port?: number;
  /** Default hostname for `App.listen()`. */
  hostname?: string;
  /** Build output directory, relative to the project root (default `_build`). */
  buildDir?: string;
  /**
   * Emit a tiny stylesheet with `frsh-island{display:contents}` on island pages (default true). Set it to
   * false when the app's own stylesheet carries that rule, saving a render-blocking request.
   */
  islandStylesheet?: boolean;
}

/** The loaded `fresh.config.ts` with defaults applied. */
export const freshConfig: Required<Pick<FreshConfig, "port" | "buildDir">> & FreshConfig = {
  port: 8000,
  buildDir: "_build",
  ...(userConfig as FreshConfig),
};
