import assert from "node:assert/strict";
import { REGIME_EL10, REGIME_EL2, S2Tlb, Tlb } from "./tlb.ts";

function fill(
  t: Tlb,
  vpage: number,
  vmid: number,
  asid: number,
  global: boolean,
  regime = REGIME_EL10,
) {
  const e = t.victim(vpage);
  Object.assign(e, { valid: true, vpage, vmid, asid, global, regime });
  return e;
}

Deno.test("Tlb.lookup() matches VMID and ASID, and global entries for every ASID", () => {
  const t = new Tlb(64);
  fill(t, 0x1000, 1, 5, false);
  assert.notEqual(t.lookup(0x1000, REGIME_EL10, 1, 5), null);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 1, 6), null);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 2, 5), null);
  fill(t, -0x7fff_ffff_f000, 1, 0, true);
  assert.notEqual(t.lookup(-0x7fff_ffff_f000, REGIME_EL10, 1, 99), null);
  fill(t, 0x2000, 0, 0, true, REGIME_EL2);
  assert.notEqual(t.lookup(0x2000, REGIME_EL2, 7, 3), null); // EL2 ignores VMID/ASID
  assert.equal(t.lookup(0x2000, REGIME_EL10, 0, 0), null);
});

Deno.test("Tlb.invalidate() drops matching entries; victim() reuses an invalid way first", () => {
  const t = new Tlb(4, 1); // direct-mapped: 4 sets of 1 way
  fill(t, 0x1000, 1, 0, true);
  fill(t, 0x2000, 2, 0, true);
  assert.equal(t.invalidate((e) => e.vmid === 1), 1);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 1, 0), null);
  assert.notEqual(t.lookup(0x2000, REGIME_EL10, 2, 0), null);
  fill(t, 0x6000, 2, 0, true); // same set as 0x2000 in a 4-set direct-mapped TLB
  assert.equal(t.lookup(0x2000, REGIME_EL10, 2, 0), null);
  assert.throws(() => new Tlb(3), RangeError);
  assert.throws(() => new Tlb(8, 3), RangeError);
});

Deno.test("Tlb keeps pages 16 MiB apart in one 4-way set and evicts the least recently used", () => {
  const t = new Tlb(4096, 4); // 1024 sets: pages 4 MiB apart share a set
  const src = 0x4100_0000;
  const dst = src + 0x100_0000;
  fill(t, src, 1, 0, true);
  fill(t, dst, 1, 0, true);
  for (let i = 0; i < 3; i++) {
    assert.notEqual(t.lookup(src, REGIME_EL10, 1, 0), null);
    assert.notEqual(t.lookup(dst, REGIME_EL10, 1, 0), null);
  }
  fill(t, src + 0x40_0000, 1, 0, true);
  fill(t, src + 0x80_0000, 1, 0, true);
  assert.equal(t.validCount, 4);
  t.lookup(src, REGIME_EL10, 1, 0); // src is now the most recently used; dst the least
  fill(t, src + 0xc0_0000, 1, 0, true); // a fifth page of the set evicts dst
  assert.equal(t.lookup(dst, REGIME_EL10, 1, 0), null);
  assert.notEqual(t.lookup(src, REGIME_EL10, 1, 0), null);
  assert.equal(t.validCount, 4);
});

Deno.test("Tlb.invalidateVa() follows VAE1 (ASID or global) and VAAE1 (every ASID)", () => {
  const t = new Tlb(64);
  fill(t, 0x1000, 1, 5, false);
  fill(t, 0x1000, 1, 6, false);
  fill(t, 0x1000, 2, 5, false); // another VMID
  fill(t, 0x2000, 1, 5, false); // another page
  assert.equal(t.invalidateVa(0x1000, REGIME_EL10, 1, 5), 1);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 1, 5), null);
  assert.notEqual(t.lookup(0x1000, REGIME_EL10, 1, 6), null);
  fill(t, 0x3000, 1, 0, true);
  assert.equal(t.invalidateVa(0x3000, REGIME_EL10, 1, 9), 1); // global entries go with any ASID
  assert.equal(t.invalidateVa(0x1000, REGIME_EL10, 1, -1), 1); // VAAE1: ASID 6 goes too
  assert.notEqual(t.lookup(0x1000, REGIME_EL10, 2, 5), null);
  assert.notEqual(t.lookup(0x2000, REGIME_EL10, 1, 5), null);
});

Deno.test("Tlb.invalidateContext() follows VMALLE1, ASIDE1 (non-global only) and ALLE2", () => {
  const t = new Tlb(64);
  fill(t, 0x1000, 1, 5, false);
  fill(t, 0x2000, 1, 0, true);
  fill(t, 0x3000, 1, 6, false);
  fill(t, 0x4000, 0, 0, true, REGIME_EL2);
  assert.equal(t.invalidateContext(REGIME_EL10, 1, 5), 1);
  assert.notEqual(t.lookup(0x2000, REGIME_EL10, 1, 5), null); // global survives ASIDE1
  assert.equal(t.invalidateContext(REGIME_EL10, 1, -1), 2);
  assert.notEqual(t.lookup(0x4000, REGIME_EL2, 0, 0), null);
  assert.equal(t.invalidateContext(REGIME_EL2, 0, -1), 1);
  assert.equal(t.validCount, 0);
  t.flush();
  assert.equal(t.invalidateContext(REGIME_EL10, 1, -1), 0);
});

Deno.test("Tlb.invalidateIpa() drops the combined entries of a VMID by stage-1 output page", () => {
  const t = new Tlb(64);
  const a = fill(t, 0x1000, 1, 0, true);
  a.ipaPage = 0x8000;
  const b = fill(t, 0x2000, 1, 0, true);
  b.ipaPage = 0x9000;
  const c = fill(t, 0x3000, 2, 0, true);
  c.ipaPage = 0x8000;
  assert.equal(t.invalidateIpa(1, 0x8000), 1);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 1, 0), null);
  assert.notEqual(t.lookup(0x3000, REGIME_EL10, 2, 0), null);
  assert.equal(t.invalidateIpa(1, -1), 1);
  assert.equal(t.lookup(0x2000, REGIME_EL10, 1, 0), null);
});

Deno.test("S2Tlb caches IPA pages per VMID", () => {
  const t = new S2Tlb(16);
  const e = t.victim(0x4000_0000);
  Object.assign(e, { valid: true, ipaPage: 0x4000_0000, vmid: 1, paPage: 0x8000_0000 });
  assert.equal(t.lookup(0x4000_0000, 1)?.paPage, 0x8000_0000);
  assert.equal(t.lookup(0x4000_0000, 2), null);
  t.flush();
  assert.equal(t.lookup(0x4000_0000, 1), null);
});

Deno.test("S2Tlb.invalidateIpa() drops one IPA page or the whole VMID", () => {
  const t = new S2Tlb(16, 4);
  for (const [ipa, vmid] of [[0x4000_0000, 1], [0x4001_0000, 1], [0x4000_0000, 2]]) {
    const e = t.victim(ipa);
    Object.assign(e, { valid: true, ipaPage: ipa, vmid });
  }
  t.invalidateIpa(1, 0x4000_0000);
  assert.equal(t.lookup(0x4000_0000, 1), null);
  assert.notEqual(t.lookup(0x4001_0000, 1), null);
  assert.notEqual(t.lookup(0x4000_0000, 2), null);
  t.invalidateIpa(2, -1);
  assert.equal(t.lookup(0x4000_0000, 2), null);
  assert.notEqual(t.lookup(0x4001_0000, 1), null);
});
