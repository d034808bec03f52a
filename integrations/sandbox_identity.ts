/**
 * The sandbox identity gateway: answers from the documented list of test identities
 * (`SANDBOX_IDENTITIES` in domain/gateways/identity.ts) instead of the national identity database. Pure
 * and stateless.
 * @module
 */
import {
  type IdentityGateway,
  SANDBOX_IDENTITIES,
  SANDBOX_NEEDS_REVIEW_NAME,
  SANDBOX_UNAVAILABLE_NAME,
} from "../domain/gateways/identity.ts";

/** The sandbox identity gateway. */
export function createSandboxIdentity(): IdentityGateway {
  return {
    name: "sandbox",
    // deno-lint-ignore require-await
    async check({ realName, idNumber, requestId }) {
      if (realName === SANDBOX_UNAVAILABLE_NAME) {
        return { ok: false, code: "unavailable", message: "实名核验服务暂时不可用" };
      }
      if (realName === SANDBOX_NEEDS_REVIEW_NAME) {
        return { ok: false, code: "needs_review", message: "公民身份信息库中照片缺失，需人工审核" };
      }
      const known = SANDBOX_IDENTITIES.find((i) => i.idNumber === idNumber);
      if (!known) return { ok: false, code: "not_found", message: "公民身份信息库中无此身份证号码" };
      if (known.realName !== realName) {
        return { ok: false, code: "mismatch", message: "姓名与身份证号码不一致" };
      }
      return { ok: true, providerReference: `sandbox-id-${requestId}` };
    },
  };
}
