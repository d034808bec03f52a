import assert from "node:assert/strict";
import {
  ageOn,
  checkIdNumber,
  checkRealName,
  idNumberCheckChar,
  makeIdNumber,
  normalizeIdNumber,
} from "../../../domain/identity/id_number.ts";
import { SANDBOX_IDENTITIES } from "../../../domain/gateways/identity.ts";

const at = new Date("2026-12-01T04:00:00Z");

Deno.test("id number: the GB 11643 check character, X included", () => {
  // the standard's own example
  assert.equal(idNumberCheckChar("11010519491231002"), "X");
  assert.equal(idNumberCheckChar("44052418800101001"), "4");
  const r = checkIdNumber("11010519491231002X", at);
  assert.ok(r.ok);
  assert.equal(r.value.sex, "female");
  assert.deepEqual(r.value.birth, { year: 1949, month: 12, day: 31 });
  // a lower-case x and full-width digits are normalised
  assert.equal(normalizeIdNumber(" １１0105194912310０2x "), "11010519491231002X");
  assert.ok(checkIdNumber("11010519491231002x", at).ok);
});

Deno.test("id number: each local problem is reported", () => {
  const problem = (s: string) => {
    const r = checkIdNumber(s, at);
    return r.ok ? "ok" : r.problem;
  };
  assert.equal(problem(""), "empty");
  assert.equal(problem("1101051949123100"), "format");
  assert.equal(problem("11010519491231002Y"), "format");
  assert.equal(problem("1101051949123100XX"), "format");
  assert.equal(problem("11010519491231002"), "format");
  assert.equal(problem("110105194912310021"), "checksum");
  assert.equal(problem(makeIdNumber("990105", "19800101", "001")), "region");
  assert.equal(problem(makeIdNumber("110000", "19800101", "001")), "region");
  assert.equal(problem(makeIdNumber("110105", "19800230", "001")), "birth_date");
  assert.equal(problem(makeIdNumber("110105", "18991231", "001")), "birth_date");
  assert.equal(problem(makeIdNumber("110105", "20300101", "001")), "birth_date");
  assert.equal(problem(makeIdNumber("110105", "20000229", "001")), "ok"); // a leap day
  assert.equal(problem(makeIdNumber("110105", "19000229", "001")), "birth_date"); // 1900 was no leap year
});

Deno.test("id number: age 18 on the Shanghai calendar day", () => {
  // born 2008-12-01: 18 on 2026-12-01 (Shanghai), still 17 the day before
  const id = makeIdNumber("110105", "20081201", "001");
  assert.ok(checkIdNumber(id, new Date("2026-11-30T16:00:00Z")).ok); // 00:00 on 1 Dec in Shanghai
  const before = checkIdNumber(id, new Date("2026-11-30T15:59:59Z"));
  assert.ok(!before.ok && before.problem === "under_age");
  assert.equal(ageOn({ year: 2008, month: 2, day: 29 }, { year: 2026, month: 2, day: 28 }), 17);
  assert.equal(ageOn({ year: 2008, month: 2, day: 29 }, { year: 2026, month: 3, day: 1 }), 18);
});

Deno.test("id number: the sandbox's test identities are valid adults", () => {
  for (const i of SANDBOX_IDENTITIES) {
    assert.ok(checkIdNumber(i.idNumber, at).ok, i.idNumber);
    assert.ok(checkRealName(i.realName).ok, i.realName);
  }
});

Deno.test("real name: Han script, 2–20 characters, the middle dot of minority names", () => {
  assert.deepEqual(checkRealName(" 张三 "), { ok: true, name: "张三" });
  assert.deepEqual(checkRealName("买买提•艾力"), { ok: true, name: "买买提·艾力" });
  assert.equal(checkRealName("").ok, false);
  assert.equal(checkRealName("张").ok, false);
  assert.equal(checkRealName("Zhang San").ok, false);
  assert.equal(checkRealName("张3").ok, false);
  assert.equal(checkRealName("·张三").ok, false);
});
