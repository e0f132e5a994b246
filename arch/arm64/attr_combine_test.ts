import assert from "node:assert/strict";
import { combineAttributes } from "./attr_combine.ts";
import { attrFromName } from "./memory_type.ts";
import { SH_ISH, SH_NSH, SH_OSH } from "./shareability.ts";

const A = (n: string) => attrFromName(n)!;

// DDI 0487 D8.5.5 / ASL S2CombineS1MemAttrs (no FWB): the more restrictive type wins.
Deno.test("combineAttributes() lets stage-2 Device-nGnRE win over stage-1 Normal-WB", () => {
  const r = combineAttributes(A("Normal-WB"), SH_ISH, 0x1, SH_OSH);
  assert.equal(r.type, "Device-nGnRE");
  assert.equal(r.provenance.decidedBy, "stage2");
  assert.match(
    r.provenance.rule,
    /^stricter type wins \(no FWB\): S2 Device-nGnRE over S1 Normal-WB$/,
  );
  assert.equal(r.sh, SH_OSH); // Device is always Outer Shareable
});

Deno.test("combineAttributes() lets stage 1 decide under Xen's p2m_mmio_direct_c (MemAttr 0xF)", () => {
  for (const s1 of ["Device-nGnRnE", "Device-nGnRE", "Normal-NC", "Normal-WT"]) {
    const r = combineAttributes(A(s1), SH_ISH, 0xf, SH_OSH);
    assert.equal(r.type, s1);
    assert.equal(r.provenance.decidedBy, "stage1", s1);
  }
  const wb = combineAttributes(A("Normal-WB"), SH_ISH, 0xf, SH_OSH);
  assert.equal(wb.type, "Normal-WB");
  assert.equal(wb.provenance.decidedBy, "both");
  assert.equal(wb.sh, SH_OSH); // OSH if either stage is OSH
});

Deno.test("combineAttributes() picks the stricter Device subtype of two Device stages", () => {
  assert.equal(combineAttributes(A("Device-GRE"), SH_OSH, 0x0, SH_OSH).type, "Device-nGnRnE");
  const r = combineAttributes(A("Device-nGnRnE"), SH_OSH, 0x3, SH_OSH);
  assert.equal(r.type, "Device-nGnRnE");
  assert.equal(r.provenance.decidedBy, "stage1");
  assert.equal(
    combineAttributes(A("Device-nGnRE"), SH_OSH, 0x1, SH_OSH).provenance.decidedBy,
    "both",
  );
});

Deno.test("combineAttributes() combines Inner and Outer cacheability separately, hints from stage 1", () => {
  // S1 Normal WB RWA, S2 MemAttr 0b0111 (Outer NC, Inner WB) → iWB-oNC
  const r = combineAttributes(0xff, SH_ISH, 0x7, SH_ISH);
  assert.equal(r.type, "Normal-iWB-oNC");
  assert.equal(r.attr, 0x4f);
  assert.equal(r.provenance.decidedBy, "stage2");
  // S1 WT (0xaa, R-allocate) with S2 NC (0x5) → NC; S1 NC with S2 WB → NC decided by S1
  assert.equal(combineAttributes(0xaa, SH_ISH, 0x5, SH_OSH).type, "Normal-NC");
  assert.equal(combineAttributes(0x44, SH_ISH, 0xf, SH_ISH).provenance.decidedBy, "stage1");
  // S1 WB R-allocate (0xee) with S2 WT (0xa) → WT keeping the R hint (0xaa)
  assert.equal(combineAttributes(0xee, SH_ISH, 0xa, SH_ISH).attr, 0xaa);
  // Normal iNC/oNC is Outer Shareable whatever SH says
  assert.equal(combineAttributes(0x44, SH_NSH, 0x5, SH_NSH).sh, SH_OSH);
  assert.equal(combineAttributes(0xff, SH_NSH, 0xf, SH_NSH).sh, SH_NSH);
  assert.equal(combineAttributes(0xff, SH_NSH, 0xf, SH_ISH).sh, SH_ISH);
});

Deno.test("combineAttributes() with HCR_EL2.CD treats stage-2 Normal as Non-cacheable", () => {
  assert.equal(combineAttributes(0xff, SH_ISH, 0xf, SH_ISH, { cd: true }).type, "Normal-NC");
});

// ASL S2CombineS1MemAttrs with FEAT_S2FWB (HCR_EL2.FWB = 1), Linux MT_S2_FWB_*.
Deno.test("combineAttributes() with FWB: 0b110 forces Normal-WB even over stage-1 Device", () => {
  const r = combineAttributes(A("Device-nGnRE"), SH_OSH, 0x6, SH_ISH, { fwb: true });
  assert.equal(r.type, "Normal-WB");
  assert.equal(r.provenance.decidedBy, "stage2");
  assert.match(r.provenance.rule, /FWB: S2 MemAttr 0b110 forces Normal-WB/);
  assert.equal(combineAttributes(0xee, SH_ISH, 0x6, SH_ISH, { fwb: true }).attr, 0xee); // S1 hints kept
  assert.equal(
    combineAttributes(A("Normal-NC"), SH_ISH, 0x6, SH_ISH, { fwb: true }).type,
    "Normal-WB",
  );
});

Deno.test("combineAttributes() with FWB: 0b101 gives Normal-NC unless stage 1 is Device", () => {
  assert.equal(combineAttributes(0xff, SH_ISH, 0x5, SH_ISH, { fwb: true }).type, "Normal-NC");
  const d = combineAttributes(A("Device-GRE"), SH_OSH, 0x5, SH_ISH, { fwb: true });
  assert.equal(d.type, "Device-GRE");
  assert.equal(d.provenance.decidedBy, "stage1");
});

Deno.test("combineAttributes() with FWB: 0b111 passes stage 1 through, 0b0dd is Device", () => {
  const r = combineAttributes(A("Normal-WT"), SH_ISH, 0x7, SH_ISH, { fwb: true });
  assert.equal(r.type, "Normal-WT");
  assert.equal(r.provenance.decidedBy, "stage1");
  assert.equal(combineAttributes(0xff, SH_ISH, 0x1, SH_ISH, { fwb: true }).type, "Device-nGnRE");
  assert.equal(
    combineAttributes(A("Device-nGnRnE"), SH_OSH, 0x1, SH_ISH, { fwb: true }).type,
    "Device-nGnRnE",
  );
  assert.match(
    combineAttributes(0xff, SH_ISH, 0x4, SH_ISH, { fwb: true }).provenance.rule,
    /reserved/,
  );
});
