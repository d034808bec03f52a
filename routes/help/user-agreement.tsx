/** `/help/user-agreement` — 《用户协议》, current version. @module */
import { page } from "../../framework/mod.ts";
import { AgreementDocument } from "../../components/AgreementDocument.tsx";
import { USER_AGREEMENT_SECTIONS } from "../../components/UserAgreementText.tsx";
import { CURRENT_AGREEMENTS } from "../../domain/accounts/agreements.ts";
import { define } from "../../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    ctx.state.title = "用户协议";
    return page();
  },
});

/** The user agreement. */
export default define.page(() => (
  <AgreementDocument agreement={CURRENT_AGREEMENTS.user_agreement} sections={USER_AGREEMENT_SECTIONS} />
));
