// The 2016 xen-devel debate made executable: how dom0's drivers fare on on-chip SRAM depending
// on the stage-2 type Xen gives it (the policies) and on how the driver maps and touches it.
// dom0 runs on the real CPU model (arch/arm64) and device models (drivers/); a minimal Xen
// stand-in at EL2 answers hypercalls and injects aborts as Xen 4.17 does (ISS = 0).
// Each expectation states the architectural reason (ARM ARM DDI 0487: Device memory alignment,
// DC ZVA on Device, exclusives on non-WB memory; Linux 6.1 routines as modelled in dom0/).
import assert from "node:assert/strict";
import { bootLinux, type Dom0Result, type Scenario } from "../dom0/mod.ts";
import { realMachine, type SramP2m } from "./fixtures/dom0/real_machine.ts";

const POLICY: Record<string, SramP2m> = {
  "xen-4.17": "p2m_mmio_direct_c",
  "xen-4.7": "p2m_mmio_direct_dev",
  "xen-4.8.0": "p2m_mmio_direct_nc",
  "device-gre": "device-gre",
};

function run(policy: keyof typeof POLICY, workload: Scenario | string) {
  const m = realMachine({ sramP2m: POLICY[policy] });
  const r = bootLinux(m.cpus, m.entry, { workload });
  return { r, m };
}

function raw(name: string, op: Scenario["ops"][number]): Scenario {
  return { name, process: "child", ops: [op] };
}

function injectedAlignment(r: Dom0Result, xenLog: string[], routine: string, insn: string) {
  assert.equal(r.outcome, "oops");
  const f = r.faults[0];
  assert.equal(f.esr, 0x96000000, "Xen injects a data abort with ISS = 0");
  assert.equal(f.fscName, "ttbr address size fault");
  assert.equal(f.routine, routine);
  assert.equal(f.insn, insn);
  assert.match(xenLog[0], /^d0v0 Unsupported FSC: HSR=0x92000061 DFSC=0x21$/);
  assert.ok(f.lines.some((l) => l.includes("Internal error: ttbr address size fault")));
}

for (const policy of Object.keys(POLICY) as (keyof typeof POLICY)[]) {
  Deno.test(`${policy}: the Linux sram driver's export path is clean (memcpy_toio makes only aligned 1- and 8-byte accesses)`, () => {
    const { r } = run(policy, "sram-export-write");
    assert.equal(r.outcome, "ok");
    assert.equal(r.workload!.ok, true);
    assert.equal(r.workload!.ops[1].data, "68656c6c6f2d7372616d0a");
    assert.equal(r.faults.length, 0);
  });

  Deno.test(`${policy}: the GIC stays Device-nGnRE at stage 1 (ioremap), whatever the SRAM policy`, () => {
    const { r } = run(policy, "sram-export-write");
    for (const ipa of [0x08000000, 0x080a0000]) {
      const m = r.mappings.find((x) => x.ipa === ipa)!;
      assert.equal(m.api, "ioremap");
      assert.equal(m.s1Type, "Device-nGnRE");
    }
  });
}

Deno.test("xen-4.17: raw memset on a WB mapping is clean: stage 2 is Normal WB (p2m_mmio_direct_c), dom0's stage 1 decides, DC ZVA zeroes 64-byte blocks", () => {
  const { r } = run("xen-4.17", "sram-memset");
  assert.equal(r.outcome, "ok");
  const s = r.workload!.ops[0].accessCounts!.find((c) => c.routine === "__memset");
  assert.equal(s?.dcZva, 64, "64 DC ZVA for 4 KiB");
  assert.equal(s?.pairStores, 0);
});

Deno.test("xen-4.17: raw unaligned memcpy and LL/SC atomic on a WB mapping are clean (Normal WB allows unaligned accesses and exclusives)", () => {
  assert.equal(run("xen-4.17", "sram-memcpy-unaligned").r.outcome, "ok");
  const { r } = run("xen-4.17", "sram-atomic");
  assert.equal(r.outcome, "ok");
  assert.equal(r.workload!.ops[0].data, "0x1");
});

Deno.test("xen-4.7: raw memset faults at stage 2: DC ZVA on Device-nGnRE is an alignment fault, Xen logs DFSC 0x21 and injects ISS = 0", () => {
  const { r, m } = run("xen-4.7", "sram-memset");
  injectedAlignment(r, m.xen.log, "__memset", "dc zva");
  assert.equal(r.faults[0].outcome, "task-killed");
  assert.equal(r.workload!.killed, true);
});

Deno.test("xen-4.7: raw unaligned memcpy faults at stage 2: memcpy's first STP at an unaligned dst is unaligned on Device", () => {
  const { r, m } = run("xen-4.7", "sram-memcpy-unaligned");
  injectedAlignment(r, m.xen.log, "__memcpy", "stp");
});

Deno.test("xen-4.7: raw atomic_add faults: LDXR to Device memory the SRAM cannot serve (DFSC 0x35 at stage 2, injected with ISS = 0)", () => {
  const { r, m } = run("xen-4.7", "sram-atomic");
  assert.equal(r.faults[0].esr, 0x96000000);
  assert.equal(r.faults[0].routine, "__ll_sc_atomic_add");
  assert.match(m.xen.log[0], /DFSC=0x35$/);
});

Deno.test("xen-4.8.0: raw memset and unaligned memcpy are clean on Normal-NC (DC ZVA and unaligned accesses are allowed on Normal memory)", () => {
  assert.equal(run("xen-4.8.0", "sram-memset").r.outcome, "ok");
  assert.equal(run("xen-4.8.0", "sram-memcpy-unaligned").r.outcome, "ok");
});

Deno.test("xen-4.8.0: raw atomic_add faults: exclusives on Normal-NC are IMPLEMENTATION DEFINED and this SRAM answers OKAY, not EXOKAY", () => {
  const { r, m } = run("xen-4.8.0", "sram-atomic");
  assert.equal(r.outcome, "oops");
  assert.match(m.xen.log[0], /DFSC=0x35$/);
});

Deno.test("device-gre: raw unaligned memcpy still faults (Device-GRE is Device: unaligned accesses fault whatever G/R/E)", () => {
  const { r, m } = run("device-gre", "sram-memcpy-unaligned");
  injectedAlignment(r, m.xen.log, "__memcpy", "stp");
});

Deno.test("any policy: a raw driver that ioremaps (Device-nGnRE at stage 1) faults at stage 1 on DC ZVA: EL1 gets DFSC 0x21 itself", () => {
  const { r, m } = run(
    "xen-4.17",
    raw("dev-memset", {
      op: "memset",
      target: "sram",
      via: "raw-sram",
      mapping: "device",
      length: 4096,
    }),
  );
  const f = r.faults[0];
  assert.equal(f.esr, 0x96000061);
  assert.equal(f.fscName, "alignment fault");
  assert.match(f.message, /^Unable to handle kernel paging request at virtual address ffff8000/);
  assert.equal(m.xen.aborts.length, 0, "no stage-2 abort: stage 1 decided");
});

Deno.test("any policy: memcpy_toio on an ioremap'd SRAM never faults (bytes until 8-aligned, then 64-bit stores)", () => {
  for (const policy of ["xen-4.17", "xen-4.7"] as const) {
    const { r } = run(
      policy,
      raw("dev-toio", {
        op: "memcpy_toio",
        target: "sram",
        via: "raw-sram",
        mapping: "device",
        offset: 3,
        length: 1000,
      }),
    );
    assert.equal(r.outcome, "ok", policy);
  }
});

Deno.test("xen-4.17: the WB mapping is the cheapest way to zero 4 KiB of SRAM (DC ZVA allocates lines without a fill; NC write-combines STPs; Device makes 512 single stores)", () => {
  const cost = (mapping: "wb" | "wc" | "device", op: "memset" | "memset_io") => {
    const { r, m } = run(
      "xen-4.17",
      raw("c", {
        op,
        target: "sram",
        via: "raw-sram",
        mapping,
        length: 4096,
        value: 0,
      }),
    );
    assert.equal(r.outcome, "ok");
    const d = m.cost.snapshot(m.bus).devices.find((x) => x.name === "/sram@bff00000");
    return d ? d.total.cycles : 0;
  };
  const wb = cost("wb", "memset");
  const wc = cost("wc", "memset");
  const dev = cost("device", "memset_io");
  assert.ok(wb < wc, `WB ${wb} < NC ${wc}`);
  assert.ok(wc < dev, `NC ${wc} < Device ${dev}`);
});
