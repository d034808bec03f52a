/** `/help/privacy-policy` — 《隐私政策》, current version. @module */
import { page } from "../../framework/mod.ts";
import { AgreementDocument } from "../../components/AgreementDocument.tsx";
import { PRIVACY_POLICY_SECTIONS } from "../../components/PrivacyPolicyText.tsx";
import { CURRENT_AGREEMENTS } from "../../domain/accounts/agreements.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "隐私政策";
    return page();
  },
});

/** The privacy policy. */
export default define.page(() => (
  <AgreementDocument agreement={CURRENT_AGREEMENTS.privacy_policy} sections={PRIVACY_POLICY_SECTIONS} />
));
