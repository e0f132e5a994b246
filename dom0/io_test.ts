// Expected sequences derived from arch/arm64/kernel/io.c and asm/io.h (v6.1).
import assert from "node:assert/strict";
import { FakePort } from "../tests/fixtures/dom0/fake_port.ts";
import { KernelCpu } from "./access.ts";
import {
  memcpy_fromio,
  memcpy_toio,
  memset_io,
  readl,
  readl_relaxed,
  readq,
  writel,
  writel_relaxed,
} from "./io.ts";

function setup(ioDevice = true) {
  const p = new FakePort();
  p.flat = true;
  const io = p.addRegion(0x1000, 0x1000, { s1Device: ioDevice });
  const ram = p.addRegion(0x2000, 0x1000);
  for (let i = 0; i < ram.size; i++) ram.bytes[i] = (i * 13 + 1) & 0xff;
  return { p, io, ram, k: new KernelCpu(p) };
}

function seq(p: FakePort): string[] {
  return p.trace.map((t) => `${t.op} ${t.va.toString(16)} ${t.size}`);
}

Deno.test("memcpy_toio() writes bytes until the I/O address is 8-aligned, then 64-bit, then bytes", () => {
  const { p, k } = setup();
  memcpy_toio(k, 0x1005, 0x2000, 20);
  const s = seq(p);
  assert.deepEqual(s.slice(0, 6), [
    "ldr 2000 1",
    "str 1005 1",
    "ldr 2001 1",
    "str 1006 1",
    "ldr 2002 1",
    "str 1007 1",
  ]);
  assert.deepEqual(s.slice(6, 10), ["ldr 2003 8", "str 1008 8", "ldr 200b 8", "str 1010 8"]);
  assert.deepEqual(s.slice(10), ["ldr 2013 1", "str 1018 1"]);
  assert.deepEqual(p.peek(0x1005, 20), p.peek(0x2000, 20));
});

Deno.test("memcpy_toio() never faults on Device memory at any alignment and size", () => {
  const { p, k } = setup();
  p.traceOn = false;
  for (let a = 0; a < 8; a++) {
    for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 1000]) {
      memcpy_toio(k, 0x1000 + a, 0x2003, n);
      assert.deepEqual(p.peek(0x1000 + a, n), p.peek(0x2003, n));
    }
  }
});

Deno.test("memcpy_fromio() aligns on the I/O (source) side", () => {
  const { p, io, k } = setup();
  for (let i = 0; i < 64; i++) io.bytes[i] = 0x80 + i;
  memcpy_fromio(k, 0x2001, 0x1006, 12);
  assert.deepEqual(seq(p), [
    "ldr 1006 1",
    "str 2001 1",
    "ldr 1007 1",
    "str 2002 1",
    "ldr 1008 8",
    "str 2003 8",
    "ldr 1010 1",
    "str 200b 1",
    "ldr 1011 1",
    "str 200c 1",
  ]);
  assert.deepEqual(p.peek(0x2001, 12), p.peek(0x1006, 12));
});

Deno.test("memset_io() replicates the byte into aligned 64-bit stores", () => {
  const { p, k } = setup();
  memset_io(k, 0x1007, 0xa5, 10);
  assert.deepEqual(seq(p), ["str 1007 1", "str 1008 8", "str 1010 1"]);
  assert.ok(p.peek(0x1007, 10).every((b) => b === 0xa5));
});

Deno.test("readl()/writel() add __iormb/__iowmb barriers; the _relaxed forms do not", () => {
  const { k } = setup();
  k.enter("drv");
  writel(k, 0x12345678, 0x1000);
  assert.equal(readl(k, 0x1000), 0x12345678);
  assert.equal(k.stats.get("drv")!.barriers, 2);
  writel_relaxed(k, 0xdeadbeef, 0x1004);
  assert.equal(readl_relaxed(k, 0x1004), 0xdeadbeef);
  assert.equal(k.stats.get("drv")!.barriers, 2);
  assert.equal(readq(k, 0x1000), 0xdeadbeef12345678n);
});
