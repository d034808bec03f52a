/**
 * `/borrow/applications/:id/profile` — step 3: personal and work information, monthly income and debts,
 * two contacts (phones stored encrypted); for a business product also the enterprise, its unified social
 * credit code and the legal representative. Saved to the draft; then the documents step.
 * @module
 */
import { ProfileStep, type ProfileStepData } from "../../../../components/borrow/ProfileStep.tsx";
import { ownApplicationOr404, stepHref, stepRedirect } from "../../../../components/borrow/BorrowSteps.tsx";
import { HttpError, page, readForm } from "../../../../framework/mod.ts";
import {
  APPLICATION_MESSAGES,
  profileFormValues,
  type ProfileInput,
  saveProfile,
} from "../../../../domain/borrowing/application.ts";
import { define, formText } from "../../../../utils.ts";

const FIELDS: (keyof ProfileInput)[] = [
  "education",
  "maritalStatus",
  "city",
  "address",
  "employmentType",
  "employer",
  "jobTitle",
  "workYears",
  "monthlyIncomeYuan",
  "monthlyDebtYuan",
  "contact1Name",
  "contact1Relationship",
  "contact1Phone",
  "contact2Name",
  "contact2Relationship",
  "contact2Phone",
  "enterpriseName",
  "creditCode",
  "industry",
  "annualRevenueYuan",
  "legalRepName",
  "legalRepIdNumber",
];

export const handler = define.handlers({
  async GET(ctx) {
    ctx.state.title = "个人信息";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    const to = stepRedirect(app, "profile");
    if (to) return ctx.redirect(to, 303);
    return page<ProfileStepData>({ app, values: await profileFormValues(ctx.state.pii, app), errors: {} });
  },
  async POST(ctx) {
    ctx.state.title = "个人信息";
    const app = await ownApplicationOr404(ctx.state, ctx.params.id);
    const form = await readForm(ctx.req);
    const text = formText<keyof ProfileInput>(form, 120);
    const values = Object.fromEntries(FIELDS.map((f) => [f, text(f)])) as unknown as ProfileInput;
    const r = await saveProfile(ctx.state.sql, { pii: ctx.state.pii }, {
      userId: ctx.state.user!.id,
      applicationId: app.id,
      ...values,
    });
    if (r.ok) return ctx.redirect(stepHref(app.id, "documents"), 303);
    if (r.code === "invalid_input") {
      return page<ProfileStepData>({ app, values, errors: r.fields }, { status: 422 });
    }
    if (r.code === "not_found") throw new HttpError(404);
    return page<ProfileStepData>({ app, values, errors: { form: [APPLICATION_MESSAGES[r.code]] } }, {
      status: 409,
    });
  },
});

/** Step 3 of the application. */

export default define.page<typeof handler>(({ data, state }) => (
  <ProfileStep data={data} csrfToken={state.csrfToken} />
));
