/**
 * The sandbox external blacklist: a hit for the documented ID numbers and name of
 * `domain/gateways/blacklist.ts`, `unavailable` for 「系统繁忙」, no hit otherwise. Pure and stateless.
 * @module
 */
import {
  type BlacklistGateway,
  SANDBOX_BLACKLIST_IDS,
  SANDBOX_BLACKLIST_NAME,
  SANDBOX_BLACKLIST_SOURCE,
} from "../domain/gateways/blacklist.ts";
import { SANDBOX_BUREAU_UNAVAILABLE_NAME } from "../domain/gateways/credit_bureau.ts";

/** The sandbox external blacklist. */
export function createSandboxBlacklist(): BlacklistGateway {
  return {
    name: "sandbox",
    // deno-lint-ignore require-await
    async check({ realName, idNumber }) {
      if (realName === SANDBOX_BUREAU_UNAVAILABLE_NAME) {
        return { ok: false, code: "unavailable", message: "外部黑名单服务暂时不可用" };
      }
      if (realName === SANDBOX_BLACKLIST_NAME || SANDBOX_BLACKLIST_IDS.includes(idNumber)) {
        return { ok: true, hit: true, sources: [SANDBOX_BLACKLIST_SOURCE] };
      }
      return { ok: true, hit: false, sources: [] };
    },
    // deno-lint-ignore require-await
    async ping() {
      return { ok: true, message: "沙箱外部黑名单正常（只含文档列出的测试身份）" };
    },
  };
}
