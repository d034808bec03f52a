import assert from "node:assert/strict";
import {
  BORROWING_CAPS,
  checkBorrowingCap,
  outstandingPrincipalFen,
} from "../../../domain/borrowing/caps.ts";
import { dbTest } from "../../helpers/db.ts";
import { insertLoan } from "../../helpers/lending.ts";
import { createUser } from "../../helpers/forms.ts";

Deno.test("caps: within the platform cap passes, exactly at the cap passes", () => {
  assert.deepEqual(
    checkBorrowingCap({
      borrowerKind: "person",
      outstandingFen: 0n,
      requestFen: 20_000_000n,
      otherPlatformsFen: null,
    }),
    { ok: true },
  );
  assert.deepEqual(
    checkBorrowingCap({
      borrowerKind: "person",
      outstandingFen: 5_000_000n,
      requestFen: 15_000_000n,
      otherPlatformsFen: 80_000_000n,
    }),
    { ok: true },
  );
});

Deno.test("caps: over the platform cap says by how much", () => {
  const r = checkBorrowingCap({
    borrowerKind: "person",
    outstandingFen: 10_000_000n,
    requestFen: 11_234_500n,
    otherPlatformsFen: null,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, "platform_cap");
  assert.equal(r.overByFen, 1_234_500n);
  assert.equal(r.capFen, BORROWING_CAPS.person.platformFen);
  assert.match(r.message, /超出本平台借款上限 ¥12,345\.00/);
});

Deno.test("caps: business caps are ¥1,000,000 here and ¥5,000,000 across platforms", () => {
  assert.equal(
    checkBorrowingCap({
      borrowerKind: "business",
      outstandingFen: 0n,
      requestFen: 100_000_000n,
      otherPlatformsFen: 0n,
    })
      .ok,
    true,
  );
  const over = checkBorrowingCap({
    borrowerKind: "business",
    outstandingFen: 0n,
    requestFen: 100_000_001n,
    otherPlatformsFen: 0n,
  });
  assert.equal(!over.ok && over.overByFen, 1n);
  const all = checkBorrowingCap({
    borrowerKind: "business",
    outstandingFen: 50_000_000n,
    requestFen: 50_000_000n,
    otherPlatformsFen: 400_000_100n,
  });
  assert.equal(all.ok, false);
  if (all.ok) return;
  assert.equal(all.code, "all_platforms_cap");
  assert.equal(all.overByFen, 100n);
  assert.match(all.message, /超出全部网贷平台借款上限 ¥1\.00/);
});

Deno.test("caps: the cross-platform cap for a person uses the bureau's figure", () => {
  const r = checkBorrowingCap({
    borrowerKind: "person",
    outstandingFen: 0n,
    requestFen: 10_000_000n,
    otherPlatformsFen: 95_000_000n,
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, "all_platforms_cap");
  assert.equal(r.overByFen, 5_000_000n);
  assert.match(r.message, /¥50,000\.00/);
  assert.match(r.message, /¥950,000\.00/);
});

dbTest("caps: outstanding principal counts open and repaying loans, not failed ones", async (sql) => {
  const { userId } = await createUser(sql, "borrower");
  assert.equal(await outstandingPrincipalFen(sql, userId), 0n);
  await insertLoan(sql, { borrowerId: userId, status: "open", amountFen: 3_000_000n });
  await insertLoan(sql, { borrowerId: userId, status: "failed", amountFen: 7_000_000n });
  const { loanId } = await insertLoan(sql, {
    borrowerId: userId,
    status: "full_reviewed",
    amountFen: 1_200_000n,
  });
  assert.equal(await outstandingPrincipalFen(sql, userId), 4_200_000n);
  // a repaying loan with some principal repaid counts what remains
  await sql`update loans set status = 'repaying' where id = ${loanId}`;
  await sql`
    insert into loan_installments (loan_id, period, due_date, principal_fen, interest_fen, paid_principal_fen,
      paid_interest_fen, status)
    values (${loanId}, 1, current_date, 100000, 9000, 100000, 9000, 'paid'),
           (${loanId}, 2, current_date + 30, 1100000, 8000, 0, 0, 'pending')`;
  assert.equal(await outstandingPrincipalFen(sql, userId), 4_100_000n);
});
