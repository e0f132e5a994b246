import assert from "node:assert/strict";
import { decodeVtcr, encodeVtcr, stage2Geometry, XEN_PA_RANGE_INFO, xenVtcr } from "./vtcr.ts";
import { decodeTcrEl1, encodeTcrEl1, linuxTcrEl1 } from "./tcr.ts";

Deno.test("xenVtcr() gives the VTCR Xen 4.17 prints on QEMU virt: 0x0000000080043594", () => {
  // (XEN) P2M: 44-bit IPA with 44-bit PA and 8-bit VMID
  // (XEN) P2M: 4 levels with order-0 root, VTCR 0x0000000080043594
  const v = xenVtcr(4);
  assert.equal(v, 0x80043594n);
  const g = stage2Geometry(v, 44);
  assert.equal(g.ipaBits, 44);
  assert.equal(g.paBits, 44);
  assert.equal(g.levels, 4);
  assert.equal(g.rootOrder, 0);
  assert.equal(g.invalid, undefined);
});

Deno.test("decodeVtcr() splits Xen's VTCR into T0SZ 20, SL0 2, PS 4, SH0 IS, WBWA walks", () => {
  const f = decodeVtcr(0x80043594n);
  assert.equal(f.t0sz, 20);
  assert.equal(f.sl0, 2);
  assert.equal(f.irgn0, 1);
  assert.equal(f.orgn0, 1);
  assert.equal(f.sh0, 3);
  assert.equal(f.tg0, 0);
  assert.equal(f.ps, 4);
  assert.equal(f.vs, false);
  assert.equal(f.res1, true);
  assert.equal(encodeVtcr(f), 0x80043594n);
});

Deno.test("stage2Geometry() concatenates the root as Xen's pa_range_info table expects", () => {
  for (let r = 0; r < 6; r++) {
    const g = stage2Geometry(xenVtcr(r), 48);
    assert.equal(g.invalid, undefined, `PARange ${r}`);
    assert.equal(g.rootOrder, XEN_PA_RANGE_INFO[r].rootOrder, `PARange ${r}`);
    assert.equal(g.startLevel, 2 - XEN_PA_RANGE_INFO[r].sl0);
    assert.equal(g.ipaBits, XEN_PA_RANGE_INFO[r].pabits);
  }
  assert.equal(stage2Geometry(xenVtcr(2)).concatenated, 2); // 40-bit IPA: two L1 pages
  assert.equal(stage2Geometry(xenVtcr(3)).concatenated, 8); // 42-bit IPA: eight L1 pages
});

Deno.test("stage2Geometry() reports inconsistent start levels", () => {
  // 32-bit IPA starting at level 0 resolves nothing at the root.
  assert.match(stage2Geometry(encodeVtcr({ t0sz: 32, sl0: 2, ps: 0 })).invalid ?? "", /too small/);
  // 48-bit IPA starting at level 1 needs 512 concatenated tables.
  assert.match(stage2Geometry(encodeVtcr({ t0sz: 16, sl0: 1, ps: 5 })).invalid ?? "", /16/);
  assert.match(
    stage2Geometry(encodeVtcr({ t0sz: 20, sl0: 2, ps: 4, tg0: 1 })).invalid ?? "",
    /4 KiB/,
  );
  // Level-0 start needs PAMax > 42.
  assert.match(stage2Geometry(xenVtcr(4), 40).invalid ?? "", /PAMax|level-0/);
});

Deno.test("decodeTcrEl1() reads Linux 6.1's 48-bit VA, 4 KiB granule TCR_EL1", () => {
  const v = linuxTcrEl1(4);
  const f = decodeTcrEl1(v);
  assert.equal(f.t0sz, 16);
  assert.equal(f.t1sz, 16);
  assert.equal(f.tg0, 0);
  assert.equal(f.tg1, 2);
  assert.equal(f.ips, 4);
  assert.equal(f.a1, true);
  assert.equal(f.as, true);
  assert.equal(f.tbi0, true);
  assert.equal(f.epd0, false);
  assert.equal(v, 0x00000034b5503510n);
  assert.equal(encodeTcrEl1(f), v);
});
