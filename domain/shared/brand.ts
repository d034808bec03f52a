/** The platform's name and fixed wording, used by pages, SMS templates and documents. */
export const PLATFORM_NAME = "鑫融易贷";
/** The risk line every page that offers a loan carries (UX.md). */
export const RISK_LINE = "市场有风险，出借需谨慎";
/** Customer service phone shown in the footer. */
export const SERVICE_PHONE = "400-000-0000";
