// The 2016 xen-devel debate, executable on the whole stack: boards/qemu-virt-sram.dts booted by
// the Xen 4.17 model under each attribute policy, dom0 running each driver's workload on the CPU
// model. Every expectation names the architectural reason (ARM ARM DDI 0487: Device memory takes
// an alignment fault for any unaligned access and for DC ZVA; exclusives on memory that is not
// Normal Inner/Outer WB are IMPLEMENTATION DEFINED, here the SRAM refuses them; without FWB the
// stricter of the two stages wins).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Property } from "../dt/tree.ts";
import { runBoard } from "../sim/run.ts";
import type { BootSummary } from "../sim/summary.ts";

const BOARD = "boards/qemu-virt-sram.dts";
const BYTES = new Uint8Array(readFileSync(new URL(`../${BOARD}`, import.meta.url)));
const SRAM = "/sram@bff00000";

const cache = new Map<string, BootSummary>();
function boot(policy: string, workload: string, noMemoryWc = false): BootSummary {
  const key = `${policy}|${workload}|${noMemoryWc}`;
  let s = cache.get(key);
  if (!s) {
    s = runBoard(BOARD, BYTES, {
      policy,
      workload,
      verifyFixes: false,
      editTree: noMemoryWc
        ? (t) => void t.lookup(SRAM)!.setProp(new Property("no-memory-wc"))
        : undefined,
    }).summary;
    cache.set(key, s);
  }
  return s;
}

function sramRow(s: BootSummary) {
  const row = s.memoryMap.find((r) => r.node.split(", ").includes(SRAM));
  assert.ok(row, "the SRAM is mapped at stage 2");
  return row;
}

/** A fault taken at stage 2 and injected by Xen 4.17 with ISS = 0 (dom0 sees ESR 0x96000000). */
function assertInjected(s: BootSummary, insn: string, fsc: number) {
  assert.equal(s.outcome, "oops");
  assert.equal(s.exitCode, 1);
  const f = s.faults[0];
  assert.equal(f.origin, "stage2");
  assert.equal(f.insn, insn);
  assert.equal(f.architectural?.fsc, fsc);
  assert.equal(f.esr, 0x96000000, "Xen injects a data abort with ISS = 0");
  assert.equal(f.fscName, "ttbr address size fault", "DFSC 0 as Linux 6.1 names it");
  assert.equal(f.outcome, "task-killed");
}

function assertClean(s: BootSummary) {
  assert.equal(s.outcome, "ok");
  assert.deepEqual(s.faults, []);
  assert.equal(s.exitCode, 0);
  assert.equal(s.workloadResult?.ok, true);
}

const ALL = ["xen-4.7", "xen-4.8.0", "xen-4.17", "rfc-2016", "device-gre"];

for (const policy of ALL) {
  Deno.test(`${policy}: the Linux sram driver's export path is clean — memcpy_toio/memcpy_fromio make only naturally aligned 1- and 8-byte accesses`, () => {
    const s = boot(policy, "sram-export-write");
    assertClean(s);
    assert.equal(s.workloadResult!.ops[1].data, "68656c6c6f2d7372616d0a"); // "hello-sram\n"
  });

  Deno.test(`${policy}: the GIC stays Device — GICD/GICR are not mapped at stage 2 and every dom0 access traps to the vGIC`, () => {
    const s = boot(policy, "sram-export-write");
    for (const ipa of [0x08000000, 0x080a0000]) {
      const t = s.trapped.find((r) => r.ipa === ipa);
      assert.ok(t, `0x${ipa.toString(16)} trapped`);
      assert.match(t.emulatedBy ?? "", /vGIC/);
      assert.equal(t.stage1.type, "Device-nGnRE");
    }
    assert.ok(!s.memoryMap.some((r) => r.ipa <= 0x08000000 && 0x08000000 < r.ipa + r.size));
  });
}

Deno.test("xen-4.7: raw memset faults at stage 2 — DC ZVA on Device-nGnRE (p2m_mmio_direct, MATTR_DEV) is an alignment fault, Xen logs DFSC 0x21 and injects", () => {
  const s = boot("xen-4.7", "sram-memset");
  assert.equal(sramRow(s).s2Type, "Device-nGnRE");
  assertInjected(s, "dc zva", 0x21);
  assert.equal(s.faults[0].routine, "__memset");
});

Deno.test("xen-4.7: raw unaligned memcpy faults at stage 2 — memcpy's first STP at dst+3 is unaligned on Device memory", () => {
  const s = boot("xen-4.7", "sram-memcpy-unaligned");
  assertInjected(s, "stp", 0x21);
  assert.equal(s.faults[0].routine, "__memcpy");
});

Deno.test("xen-4.7: raw LL/SC atomic faults at stage 2 — LDXR on Device memory the SRAM cannot serve exclusively (DFSC 0x35)", () => {
  assertInjected(boot("xen-4.7", "sram-atomic"), "ldxr", 0x35);
});

Deno.test("xen-4.8.0: raw memset and unaligned memcpy are clean — stage 2 Normal-NC (1e75ed8b64) allows DC ZVA and unaligned accesses", () => {
  for (const w of ["sram-memset", "sram-memcpy-unaligned"]) {
    const s = boot("xen-4.8.0", w);
    assert.equal(sramRow(s).s2Type, "Normal-NC");
    assertClean(s);
  }
});

Deno.test("xen-4.8.0: raw LL/SC atomic faults — Normal-NC is not Normal WB, so exclusives go to the SRAM, which refuses them (DFSC 0x35)", () => {
  assertInjected(boot("xen-4.8.0", "sram-atomic"), "ldxr", 0x35);
});

Deno.test("xen-4.8.0: no-memory-wc keeps mmio-sram Device-nGnRE at stage 2 (dev_map_attrs), so raw memset faults again", () => {
  const s = boot("xen-4.8.0", "sram-memset", true);
  assert.equal(sramRow(s).s2Type, "Device-nGnRE");
  assertInjected(s, "dc zva", 0x21);
});

for (const policy of ["xen-4.17", "rfc-2016"]) {
  Deno.test(`${policy}: raw memset, unaligned memcpy and LL/SC atomic on a WB mapping are clean — stage 2 Normal WB lets dom0's memremap(MEMREMAP_WB) decide`, () => {
    for (const w of ["sram-memset", "sram-memcpy-unaligned", "sram-atomic"]) {
      const s = boot(policy, w);
      assert.equal(sramRow(s).s2Type, "Normal-WB");
      assertClean(s);
    }
  });
}

Deno.test("rfc-2016: the SRAM is executable at stage 2 (RWX via the device's .map, proposed, not in Xen); xen-4.17 keeps every MMIO mapping XN", () => {
  const rfc = sramRow(boot("rfc-2016", "sram-memset"));
  assert.equal(rfc.proposed, true);
  assert.match(rfc.s2Access, / X$/);
  assert.match(sramRow(boot("xen-4.17", "sram-memset")).s2Access, / XN$/);
});

Deno.test("device-gre: raw memset and unaligned memcpy still fault at stage 2 — Device-GRE is still Device memory", () => {
  const m = boot("device-gre", "sram-memset");
  assert.equal(sramRow(m).s2Type, "Device-GRE");
  assertInjected(m, "dc zva", 0x21);
  assertInjected(boot("device-gre", "sram-memcpy-unaligned"), "stp", 0x21);
});

Deno.test("xen-4.17: the raw driver's WB memset is the cheapest — line fills and DC ZVA instead of one bus write per 8 bytes on Normal-NC (xen-4.8.0)", () => {
  const cycles = (s: BootSummary) => s.cost.find((c) => c.device === SRAM)?.cycles ?? 0;
  const wb = cycles(boot("xen-4.17", "sram-memset"));
  const nc = cycles(boot("xen-4.8.0", "sram-memset"));
  assert.ok(wb > 0 && nc > 0);
  assert.ok(wb < nc, `WB ${wb} cycles < NC ${nc} cycles`);
});

Deno.test("xen-4.17 + no-memory-wc: the sram driver maps with ioremap (stage 1 Device-nGnRE) and its export path stays clean — memcpy_toio is aligned", () => {
  const s = boot("xen-4.17", "sram-export-write", true);
  assertClean(s);
  assert.ok(
    sramRow(s).stage1.some((v) =>
      v.api === "ioremap" && v.effective === "Device-nGnRE" && v.decidedBy === "stage1"
    ),
  );
});

Deno.test("xen-4.7: a stage-2 fault's summary names the cause and two verified fixes (policy xen-4.17, memset_io)", () => {
  const { summary } = runBoard(BOARD, BYTES, { policy: "xen-4.7", workload: "sram-memset" });
  const f = summary.faults[0];
  assert.match(f.cause, /DC ZVA on memory that stage 2 makes Device/);
  assert.deepEqual(
    f.fixes.map((x) => [x.how, x.verified]),
    [["--policy xen-4.17", true], ['scenario: ops[0].op = "memset_io"', true]],
  );
});
