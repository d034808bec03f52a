/**
 * The optional health check every gateway may offer (第三方设置 → 测试连接): a cheap call that proves the
 * provider is reachable with the configured credentials, sending nothing to anyone.
 * @module
 */

/** Outcome of a gateway's `ping()`. */
export type GatewayPingResult =
  | { ok: true; message: string }
  | { ok: false; code: "unavailable" | "unauthorized"; message: string };

/** What 第三方设置 needs of any gateway: its implementation name and, optionally, a ping. */
export interface PingableGateway {
  /** A short name for logs and the settings page (`sandbox`, …). */
  readonly name: string;
  /** The health check; a gateway without one cannot be tested from the settings page. */
  ping?(): Promise<GatewayPingResult>;
}
