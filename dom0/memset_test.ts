// Expected sequences below were derived by hand from arch/arm64/lib/memset.S (v6.1).
import assert from "node:assert/strict";
import { FakePort } from "../tests/fixtures/dom0/fake_port.ts";
import { KernelCpu } from "./access.ts";
import { memset } from "./memset.ts";
import { GuestException } from "../arch/arm64/port.ts";

function setup(opts: { device?: boolean; dczid?: bigint } = {}) {
  const p = new FakePort();
  p.flat = true;
  const r = p.addRegion(0x800, 0x2000, { s1Device: opts.device });
  r.bytes.fill(0xee);
  if (opts.dczid !== undefined) p.sys.set("DCZID_EL0", opts.dczid);
  return { p, r, k: new KernelCpu(p) };
}

function seq(p: FakePort): string[] {
  return p.trace.map((t) => `${t.op} ${t.va.toString(16)}`);
}

function checkFilled(p: FakePort, dst: number, n: number, v: number) {
  assert.ok(p.peek(dst, n).every((b) => b === v), "range filled");
  assert.equal(p.peek(dst - 1, 1)[0], 0xee, "byte before untouched");
  assert.equal(p.peek(dst + n, 1)[0], 0xee, "byte after untouched");
}

Deno.test("memset() of 13 bytes stores 8, 4 and 1 bytes in that order", () => {
  const { p, k } = setup();
  memset(k, 0x1003, 0x5a, 13);
  assert.deepEqual(p.trace.map((t) => `${t.op} ${t.va.toString(16)} ${t.size}`), [
    "str 1003 8",
    "str 100b 4",
    "str 100f 1",
  ]);
  checkFilled(p, 0x1003, 13, 0x5a);
});

Deno.test("memset() of 100 non-zero bytes: unaligned head stp, 64-byte loop, overlapping tail", () => {
  const { p, k } = setup();
  memset(k, 0x1004, 0x5a, 100);
  assert.deepEqual(seq(p), [
    "stp 1004",
    "stp 1010",
    "stp 1020",
    "stp 1030",
    "stp 1040",
    "stp 1050",
    "stp 1058",
  ]);
  checkFilled(p, 0x1004, 100, 0x5a);
});

Deno.test("memset() of 4096 zero bytes uses one DC ZVA per 64-byte block", () => {
  const { p, k } = setup();
  memset(k, 0x1000, 0, 4096);
  assert.equal(p.trace.length, 64);
  assert.ok(p.trace.every((t) => t.op === "dc zva"));
  assert.equal(p.trace[0].va, 0x1000);
  assert.equal(p.trace[63].va, 0x1fc0);
  checkFilled(p, 0x1000, 4096, 0);
});

Deno.test("memset() zero of 256 bytes aligns with stp groups, overruns and steps back", () => {
  const { p, k } = setup();
  memset(k, 0x1008, 0, 256);
  assert.deepEqual(seq(p), [
    "stp 1008",
    "stp 1010",
    "stp 1020",
    "stp 1030",
    "stp 1040",
    "dc zva 1040",
    "dc zva 1080",
    "dc zva 10c0",
    "stp 10f8",
  ]);
  checkFilled(p, 0x1008, 256, 0);
});

Deno.test("memset() zero below 128 bytes never uses DC ZVA", () => {
  const { p, k } = setup();
  memset(k, 0x1000, 0, 127);
  assert.ok(p.trace.every((t) => t.op === "stp"));
  checkFilled(p, 0x1000, 127, 0);
});

Deno.test("memset() zero honours DCZID_EL0.DZP and blocks under 64 bytes", () => {
  for (const dczid of [0x14n, 0x3n]) {
    const { p, k } = setup({ dczid });
    memset(k, 0x1000, 0, 1024);
    assert.ok(p.trace.every((t) => t.op === "stp"), `dczid ${dczid}`);
    checkFilled(p, 0x1000, 1024, 0);
  }
});

Deno.test("memset() zero with a 128-byte ZVA block", () => {
  const { p, k } = setup({ dczid: 5n });
  memset(k, 0x1000, 0, 1000);
  const zva = p.trace.filter((t) => t.op === "dc zva").map((t) => t.va.toString(16));
  assert.deepEqual(zva, ["1000", "1080", "1100", "1180", "1200", "1280", "1300"]);
  checkFilled(p, 0x1000, 1000, 0);
});

Deno.test("memset() fills every length 0..300 at every alignment 0..15", () => {
  const { p, k } = setup();
  p.traceOn = false;
  for (let n = 0; n <= 300; n += 7) {
    for (let a = 0; a < 16; a++) {
      p.regions[0].bytes.fill(0xee);
      memset(k, 0x1100 + a, n % 2 ? 0x33 : 0, n);
      if (n) checkFilled(p, 0x1100 + a, n, n % 2 ? 0x33 : 0);
    }
  }
});

Deno.test("memset() zero of 4096 bytes on Device memory faults on the first DC ZVA", () => {
  const { k } = setup({ device: true });
  assert.throws(() => memset(k, 0x1000, 0, 4096), (e: unknown) => {
    assert.ok(e instanceof GuestException);
    assert.equal(e.syndrome.fsc, 0x21);
    assert.equal(e.syndrome.far, 0x1000);
    return true;
  });
  assert.equal(k.lastInsn, "dc zva");
  assert.deepEqual(k.stack, ["__memset"]);
});
