import assert from "node:assert/strict";
import { clientIpFrom, inCidrs, normalizeIp, parseCidrList } from "../../../domain/shared/ip.ts";
import { loadConfig } from "../../../config.ts";
import { clientIp } from "../../../utils.ts";

Deno.test("ip: addresses normalise (IPv4, IPv6 compressed, IPv4-mapped, zone ids, brackets)", () => {
  assert.equal(normalizeIp("10.0.0.1"), "10.0.0.1");
  assert.equal(normalizeIp(" 192.168.001.010 "), null, "leading zeros are ambiguous: refused");
  assert.equal(normalizeIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(normalizeIp("2001:db8::0:1"), "2001:db8::1");
  assert.equal(normalizeIp("::ffff:203.0.113.9"), "203.0.113.9");
  assert.equal(normalizeIp("[2001:db8::1]"), "2001:db8::1");
  assert.equal(normalizeIp("fe80::1%eth0"), "fe80::1");
  assert.equal(normalizeIp("::1"), "::1");
  assert.equal(normalizeIp("::"), "::");
  assert.equal(normalizeIp("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
  for (
    const bad of ["", "unknown", "1.2.3", "1.2.3.256", "1.2.3.4.5", "1::2::3", "12345::", "g::1", "<script>"]
  ) {
    assert.equal(normalizeIp(bad), null, bad);
  }
});

Deno.test("ip: CIDR lists parse, refuse junk and match addresses", () => {
  const list = parseCidrList("10.0.0.0/8, 192.168.1.7 ,2001:db8::/32");
  assert.ok(Array.isArray(list));
  assert.ok(inCidrs("10.200.3.4", list));
  assert.ok(inCidrs("192.168.1.7", list));
  assert.ok(!inCidrs("192.168.1.8", list));
  assert.ok(inCidrs("2001:db8:ffff::1", list));
  assert.ok(inCidrs("::ffff:10.1.1.1", list), "IPv4-mapped IPv6 matches the IPv4 range");
  assert.ok(!inCidrs("2001:db9::1", list));
  assert.ok(!inCidrs("not-an-ip", list));
  assert.deepEqual(parseCidrList(""), []);
  for (
    const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8/8", "example.com", "2001:db8::/129", "10.0.0.0/-1"]
  ) {
    const r = parseCidrList(bad);
    assert.ok(!Array.isArray(r), bad);
  }
});

Deno.test("client IP: X-Forwarded-For only from a trusted peer; the right-most untrusted hop", () => {
  const trusted = parseCidrList("10.0.0.0/8");
  assert.ok(Array.isArray(trusted));
  const from = (peer: string, xff: string | null) => clientIpFrom({ peer, forwardedFor: xff, trusted });
  // no trusted proxies: the peer, whatever the header says
  assert.equal(clientIpFrom({ peer: "203.0.113.5", forwardedFor: "1.1.1.1", trusted: [] }), "203.0.113.5");
  // an untrusted peer: header ignored
  assert.equal(from("203.0.113.5", "1.1.1.1"), "203.0.113.5");
  // a trusted peer: the right-most hop it did not add itself
  assert.equal(from("10.0.0.1", "198.51.100.7"), "198.51.100.7");
  assert.equal(from("10.0.0.1", "6.6.6.6, 198.51.100.7"), "198.51.100.7", "a forged left part is ignored");
  assert.equal(from("10.0.0.1", "198.51.100.7, 10.0.0.2"), "198.51.100.7", "chained trusted proxies skipped");
  assert.equal(from("10.0.0.1", "198.51.100.7,10.0.0.2 , 10.0.0.3"), "198.51.100.7");
  assert.equal(from("10.0.0.1", "::ffff:198.51.100.7"), "198.51.100.7");
  // no header, or only trusted hops: the left-most trusted hop is the best we know
  assert.equal(from("10.0.0.1", null), "10.0.0.1");
  assert.equal(from("10.0.0.1", "10.0.0.9"), "10.0.0.9");
  // a malformed hop (written by nobody we trust) stops the walk at the last trusted hop
  assert.equal(from("10.0.0.1", "198.51.100.7, garbage"), "10.0.0.1");
  assert.equal(from("10.0.0.1", "1.2.3.4, <script>, 10.0.0.2"), "10.0.0.2");
});

Deno.test("client IP: utils.clientIp with the configured trusted proxies", () => {
  const config = loadConfig({ APP_ENV: "test", TRUSTED_PROXIES: "10.0.0.0/8,::1" });
  assert.equal(config.trustedProxies.length, 2);
  const info = (hostname: string) =>
    ({ remoteAddr: { transport: "tcp", hostname, port: 1 } }) as Deno.ServeHandlerInfo;
  const req = new Request("http://localhost/", { headers: { "x-forwarded-for": "198.51.100.7" } });
  assert.equal(clientIp(info("10.1.2.3"), req, config.trustedProxies), "198.51.100.7");
  assert.equal(clientIp(info("::1"), req, config.trustedProxies), "198.51.100.7");
  assert.equal(clientIp(info("203.0.113.1"), req, config.trustedProxies), "203.0.113.1");
  assert.equal(clientIp(undefined, req, config.trustedProxies), "unknown");
  assert.throws(
    () => loadConfig({ APP_ENV: "test", TRUSTED_PROXIES: "10.0.0.0/8, proxy.local" }),
    /TRUSTED_PROXIES/,
  );
  assert.deepEqual(loadConfig({ APP_ENV: "test" }).trustedProxies, []);
});
