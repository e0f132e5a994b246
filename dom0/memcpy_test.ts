// Expected sequences below were derived by hand from arch/arm64/lib/memcpy.S (v6.1), not by
// running the model.
import assert from "node:assert/strict";
import { FakePort } from "../tests/fixtures/dom0/fake_port.ts";
import { KernelCpu } from "./access.ts";
import { memcpy, memmove } from "./memcpy.ts";
import { GuestException } from "../arch/arm64/port.ts";

function setup(opts: { dstDevice?: boolean } = {}) {
  const p = new FakePort();
  p.flat = true;
  p.addRegion(0x1000, 0x1000, { s1Device: opts.dstDevice });
  const src = p.addRegion(0x2000, 0x1000);
  for (let i = 0; i < src.size; i++) src.bytes[i] = (i * 7 + 3) & 0xff;
  return { p, k: new KernelCpu(p) };
}

function seq(p: FakePort): string[] {
  return p.trace.map((t) => `${t.op} ${t.va.toString(16)} ${t.size}`);
}

function checkCopied(p: FakePort, dst: number, src: number, n: number) {
  assert.deepEqual(p.peek(dst, n), p.peek(src, n));
}

Deno.test("memcpy() copies 1..3 bytes as ldrb first/last/middle then strb first/middle/last", () => {
  const { p, k } = setup();
  memcpy(k, 0x1000, 0x2000, 3);
  assert.deepEqual(seq(p), [
    "ldr 2000 1",
    "ldr 2002 1",
    "ldr 2001 1",
    "str 1000 1",
    "str 1001 1",
    "str 1002 1",
  ]);
  checkCopied(p, 0x1000, 0x2000, 3);
});

Deno.test("memcpy() copies 4..7 bytes with two overlapping 32-bit accesses", () => {
  const { p, k } = setup();
  memcpy(k, 0x1001, 0x2000, 5);
  assert.deepEqual(seq(p), ["ldr 2000 4", "ldr 2001 4", "str 1001 4", "str 1002 4"]);
  checkCopied(p, 0x1001, 0x2000, 5);
});

Deno.test("memcpy() copies 8..15 bytes with two overlapping 64-bit accesses", () => {
  const { p, k } = setup();
  memcpy(k, 0x1000, 0x2000, 12);
  assert.deepEqual(seq(p), ["ldr 2000 8", "ldr 2004 8", "str 1000 8", "str 1004 8"]);
  checkCopied(p, 0x1000, 0x2000, 12);
});

Deno.test("memcpy() copies 16..32 bytes with ldp/stp from both ends", () => {
  const { p, k } = setup();
  memcpy(k, 0x1000, 0x2000, 20);
  assert.deepEqual(seq(p), ["ldp 2000 16", "ldp 2004 16", "stp 1000 16", "stp 1004 16"]);
  checkCopied(p, 0x1000, 0x2000, 20);
});

Deno.test("memcpy() copies 97..128 bytes storing the srcend-64/-48 pairs first", () => {
  const { p, k } = setup();
  memcpy(k, 0x1000, 0x2000, 100);
  assert.deepEqual(seq(p), [
    "ldp 2000 16",
    "ldp 2010 16",
    "ldp 2044 16",
    "ldp 2054 16",
    "ldp 2020 16",
    "ldp 2030 16",
    "ldp 2024 16",
    "ldp 2034 16",
    "stp 1024 16",
    "stp 1034 16",
    "stp 1000 16",
    "stp 1010 16",
    "stp 1020 16",
    "stp 1030 16",
    "stp 1044 16",
    "stp 1054 16",
  ]);
  checkCopied(p, 0x1000, 0x2000, 100);
});

Deno.test("memcpy() long copy stores 16 bytes at dstin, aligns dst to 16 and ends from dstend", () => {
  const { p, k } = setup();
  memcpy(k, 0x1003, 0x2000, 200);
  assert.deepEqual(seq(p), [
    "ldp 2000 16",
    "ldp 200d 16",
    "stp 1003 16",
    "ldp 201d 16",
    "ldp 202d 16",
    "ldp 203d 16",
    "stp 1010 16",
    "ldp 204d 16",
    "stp 1020 16",
    "ldp 205d 16",
    "stp 1030 16",
    "ldp 206d 16",
    "stp 1040 16",
    "ldp 207d 16",
    "ldp 2088 16",
    "stp 1050 16",
    "ldp 2098 16",
    "stp 1060 16",
    "ldp 20a8 16",
    "stp 1070 16",
    "ldp 20b8 16",
    "stp 1080 16",
    "stp 108b 16",
    "stp 109b 16",
    "stp 10ab 16",
    "stp 10bb 16",
  ]);
  checkCopied(p, 0x1003, 0x2000, 200);
});

Deno.test("memcpy() of 1 MiB-class sizes copies every byte (loop64 path)", () => {
  const { p, k } = setup();
  for (const [d, s, n] of [[0x1000, 0x2000, 4096], [0x1005, 0x2003, 3000], [0x1008, 0x2001, 129]]) {
    p.trace.length = 0;
    memcpy(k, d, s, n);
    checkCopied(p, d, s, n);
  }
});

Deno.test("memmove() copies overlapping long ranges backwards with the same result as a copy", () => {
  const p = new FakePort();
  p.flat = true;
  const r = p.addRegion(0x1000, 0x1000);
  for (let i = 0; i < r.size; i++) r.bytes[i] = i & 0xff;
  const expect = r.bytes.slice(0x100, 0x100 + 700);
  const k = new KernelCpu(p);
  memmove(k, 0x1100 + 37, 0x1100, 700);
  assert.deepEqual(p.peek(0x1100 + 37, 700), expect);
  // The first access of the backwards path reads the last 16 source bytes.
  assert.equal(`${p.trace[0].op} ${(p.trace[0].va - 0x1000).toString(16)}`, "ldp 3ac");
});

Deno.test("memcpy() with dst == src and count > 128 accesses nothing", () => {
  const { p, k } = setup();
  memcpy(k, 0x2000, 0x2000, 500);
  assert.equal(p.trace.length, 0);
});

Deno.test("memcpy() of an odd size into a Device-mapped region takes an alignment fault", () => {
  const { k } = setup({ dstDevice: true });
  assert.throws(() => memcpy(k, 0x1000, 0x2000, 13), (e: unknown) => {
    assert.ok(e instanceof GuestException);
    assert.equal(e.syndrome.fsc, 0x21);
    assert.equal(e.syndrome.far, 0x1005); // the str at [dstend-8]
    return true;
  });
  assert.deepEqual(k.stack, ["__memcpy"]);
  assert.equal(k.lastInsn, "str");
});

Deno.test("memcpy() accounts pair loads and stores to __memcpy", () => {
  const { k } = setup();
  memcpy(k, 0x1000, 0x2000, 64);
  const s = k.stats.get("__memcpy")!;
  assert.equal(s.pairLoads, 4);
  assert.equal(s.pairStores, 4);
  assert.equal(s.bytesWritten, 64);
});
