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

Deno.test("Tlb.invalidate() drops matching entries; victim() evicts the slot's previous entry", () => {
  const t = new Tlb(4);
  fill(t, 0x1000, 1, 0, true);
  fill(t, 0x2000, 2, 0, true);
  assert.equal(t.invalidate((e) => e.vmid === 1), 1);
  assert.equal(t.lookup(0x1000, REGIME_EL10, 1, 0), null);
  assert.notEqual(t.lookup(0x2000, REGIME_EL10, 2, 0), null);
  fill(t, 0x6000, 2, 0, true); // same slot as 0x2000 in a 4-entry TLB
  assert.equal(t.lookup(0x2000, REGIME_EL10, 2, 0), null);
  assert.throws(() => new Tlb(3), RangeError);
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
