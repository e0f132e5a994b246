// deno-lint-ignore-file no-control-regex -- these tests check ANSI colour and line-control codes
// `dom0sim compare`: the seed's question side by side — the same board and raw-driver workload
// under xen-4.17, xen-4.7 and xen-4.8.0 — with the outcome, both syndromes of the fault, the cost
// ratio, the memory-map rows that differ and the (identical) dom0 trees.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  compareBoard,
  compareExitCode,
  compareJson,
  costRows,
  memoryMapDiff,
} from "../sim/compare.ts";
import { renderCompareText } from "../sim/compare_text.ts";
import type { BootSummary, MemoryMapRow } from "../sim/summary.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const board = ROOT + "boards/qemu-virt-sram.dts";
const bytes = new Uint8Array(readFileSync(board));

const c = compareBoard(board, bytes, {
  policies: ["xen-4.17", "xen-4.7", "xen-4.8.0"],
  workload: "sram-memset",
  verifyFixes: false,
});

Deno.test("compareBoard() sram-memset: clean under xen-4.17 and xen-4.8.0, a stage-2 alignment fault under xen-4.7", () => {
  assert.deepEqual(c.runs.map((r) => [r.policy, r.summary.outcome, r.summary.faults.length]), [
    ["xen-4.17", "ok", 0],
    ["xen-4.7", "oops", 1],
    ["xen-4.8.0", "ok", 0],
  ]);
  const f = c.runs[1].summary.faults[0];
  assert.equal(f.insn, "dc zva");
  assert.equal(f.esr, 0x96000000); // what dom0 saw: Xen's injected abort, ISS = 0
  assert.equal(f.architectural?.fsc, 0x21); // what the architecture raised: alignment fault
  assert.equal(f.architectural?.esr, 0x92000061);
  assert.equal(compareExitCode(c), 1);
  assert.equal(compareJson(c).exitCode, 1);
});

Deno.test("compareBoard() memory map: the SRAM row differs (p2m type and the raw driver's effective type), RAM does not", () => {
  const sram = c.memoryMap.find((r) => r.ipa === 0xbff00000)!;
  assert.ok(sram, JSON.stringify(c.memoryMap.map((r) => r.ipa.toString(16))));
  assert.equal(sram.size, 0x100000);
  assert.deepEqual(sram.cells.map((x) => x.p2mType), [
    "p2m_mmio_direct_c",
    "p2m_mmio_direct_dev",
    "p2m_mmio_direct_nc",
  ]);
  const raw = sram.cells.map((x) =>
    x.effective.find((e) => e.startsWith("memremap(MEMREMAP_WB)"))?.split(": ")[1]
  );
  assert.deepEqual(raw, ["Normal-WB", "Device-nGnRE", "Normal-NC"]);
  assert.ok(!c.memoryMap.some((r) => r.ipa <= 0x60000000 && 0x60000000 < r.ipa + r.size));
});

Deno.test("compareBoard() cost: the SRAM is cheapest with Normal-WB, dearer with Normal-NC, untouched after the fault", () => {
  const sram = c.cost.find((r) => r.device === "/sram@bff00000")!;
  assert.ok(sram.cycles[0] > 0 && sram.cycles[2] > sram.cycles[0]);
  assert.equal(sram.cycles[1], 0);
  assert.equal(sram.ratio[0], 1);
  assert.equal(sram.ratio[1], null);
  assert.ok(sram.ratio[2]! > 1);
  const total = c.cost[c.cost.length - 1];
  assert.equal(total.device, "total");
  assert.deepEqual(
    total.cycles,
    c.runs.map((r) => r.summary.cost.reduce((t, x) => t + x.cycles, 0)),
  );
});

Deno.test("compareBoard() dom0 trees: Xen 4.17's policy does not change the tree, and the text says so", () => {
  assert.equal(c.dom0Tree.identical, true);
  assert.deepEqual(c.dom0Tree.diffs, []);
  assert.ok(c.runs.every((r) => r.dom0Dts === c.runs[0].dom0Dts));
  assert.match(c.runs[0].dom0Dts, /^\/dts-v1\/;\n/);
  const text = renderCompareText(c);
  assert.match(text, /dom0 device tree: identical under all 3 policies/);
  assert.match(
    text,
    /xen-4\.7 +__memset: dc zva +0x96000000 ttbr address size fault +stage 2: alignment fault \(DFSC 0x21\), ESR_EL2 0x92000061/,
  );
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(renderCompareText(c, { color: true }), /\x1b\[31moops\x1b\[0m/);
});

function row(ipa: number, size: number, p2mType: string, eff: string[] = []): MemoryMapRow {
  return {
    ipa,
    pa: ipa,
    size,
    node: `/n@${ipa.toString(16)}`,
    p2mType,
    s2MemAttr: 0,
    s2Type: p2mType === "p2m_mmio_direct_c" ? "Normal-WB" : "Device-nGnRE",
    s2Access: "RW XN",
    rule: "",
    proposed: false,
    stage1: eff.map((e) => ({
      api: "ioremap",
      driver: "d",
      type: "Device-nGnRE",
      va: "0",
      size,
      live: true,
      effective: e,
      decidedBy: "both",
      combineRule: "",
    })),
  };
}

function summaryOf(rows: MemoryMapRow[], cost: [string, number][] = []): BootSummary {
  return {
    memoryMap: rows,
    cost: cost.map(([device, cycles]) => ({ device, model: "m", cycles })),
  } as unknown as BootSummary;
}

Deno.test("memoryMapDiff() splits rows at every policy's boundaries and keeps only ranges that differ", () => {
  const a = summaryOf([row(0x1000, 0x3000, "p2m_mmio_direct_c")]);
  const b = summaryOf([
    row(0x1000, 0x1000, "p2m_mmio_direct_c"),
    row(0x2000, 0x1000, "p2m_mmio_direct_dev"),
    row(0x3000, 0x1000, "p2m_mmio_direct_c"),
  ]);
  const d = memoryMapDiff([a, b]);
  assert.deepEqual(d.map((r) => [r.ipa, r.size, r.cells.map((x) => x.p2mType)]), [
    [0x2000, 0x1000, ["p2m_mmio_direct_c", "p2m_mmio_direct_dev"]],
  ]);
  // A range only one policy maps shows "(not mapped)" for the other.
  const e = memoryMapDiff([a, summaryOf([])]);
  assert.deepEqual(e.map((r) => r.cells[1].p2mType), ["(not mapped)"]);
  // Same types but different effective types differ too.
  const f = memoryMapDiff([
    summaryOf([row(0, 0x1000, "p2m_mmio_direct_c", ["Normal-NC"])]),
    summaryOf([row(0, 0x1000, "p2m_mmio_direct_c", ["Device-nGnRE"])]),
  ]);
  assert.equal(f.length, 1);
});

Deno.test("costRows() ratios are against the cheapest non-zero policy and a device seen twice stays two rows", () => {
  const rows = costRows([
    summaryOf([], [["/ram", 100], ["/ram", 5], ["/sram", 40]]),
    summaryOf([], [["/ram", 300], ["/ram", 5], ["/sram", 0]]),
  ]);
  assert.deepEqual(rows.map((r) => [r.device, r.cycles, r.ratio]), [
    ["/ram", [100, 300], [1, 3]],
    ["/ram", [5, 5], [1, 1]],
    ["/sram", [40, 0], [1, null]],
    ["total", [145, 305], [1, 305 / 145]],
  ]);
});
