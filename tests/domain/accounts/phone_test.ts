import assert from "node:assert/strict";
import { isValidPhone, normalizePhone } from "../../../domain/accounts/phone.ts";

Deno.test("phone: valid mainland mobile numbers normalise to 11 digits", () => {
  for (
    const [input, want] of [
      ["13812345678", "13812345678"],
      [" 138 1234 5678 ", "13812345678"],
      ["138-1234-5678", "13812345678"],
      ["+86 138 1234 5678", "13812345678"],
      ["+8613812345678", "13812345678"],
      ["008613812345678", "13812345678"],
      ["8613812345678", "13812345678"],
      ["１３８１２３４５６７８", "13812345678"],
      ["19912345678", "19912345678"],
    ]
  ) assert.equal(normalizePhone(input), want, input);
});

Deno.test("phone: invalid numbers are refused", () => {
  for (
    const input of [
      "",
      "1381234567",
      "138123456789",
      "12812345678",
      "10012345678",
      "23812345678",
      "1381234567a",
      "+1 13812345678",
      "86138123456",
    ]
  ) {
    assert.equal(normalizePhone(input), null, input);
    assert.equal(isValidPhone(input), false, input);
  }
});
