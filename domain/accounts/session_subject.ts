/** Who a session belongs to, as routes see it (kept here so `domain/` never imports web code). */

/** The signed-in user (investor or borrower). */
export interface SessionUser {
  id: string;
  kind: "investor" | "borrower";
  /** Masked phone, e.g. 138****5678. */
  phoneMasked: string;
  displayName: string;
  /** `frozen`: may log in and look, but every money command refuses (admin 冻结). */
  status: "active" | "frozen";
}

/** The signed-in staff member. */
export interface SessionStaff {
  id: string;
  username: string;
  displayName: string;
  role: string;
  permissions: ReadonlySet<string>;
}
