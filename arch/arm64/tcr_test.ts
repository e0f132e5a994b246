import assert from "node:assert/strict";
import { decodeTcrEl1, decodeTcrEl2, encodeTcrEl1, ipsBits } from "./tcr.ts";

Deno.test("decodeTcrEl2() reads T0SZ, granule, PS and HPD of Xen's TCR_EL2", () => {
  const t = decodeTcrEl2(0x80823510n);
  assert.equal(t.t0sz, 16);
  assert.equal(t.tg0, 0);
  assert.equal(t.ps, 2);
  assert.equal(t.sh0, 3);
  assert.equal(t.tbi, false);
  assert.equal(ipsBits(t.ps), 40);
  assert.equal(ipsBits(6, 44), 44); // capped at PAMax
});

Deno.test("encodeTcrEl1() refuses out-of-range fields and sets EPD1", () => {
  assert.throws(() => encodeTcrEl1({ t0sz: 64 }), RangeError);
  assert.equal(decodeTcrEl1(encodeTcrEl1({ epd1: true, t1sz: 25 })).epd1, true);
});
