// The firmware-side model gaps real boards exposed: RAM left to the bootloader
// (sim/memory_fixup.ts, U-Boot's fdt_fixup_memory_banks) and the GIC hardware a tree implies
// (sim/gic_hardware.ts: line count, GICv2m MSI_TYPER windows).
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { compileDts } from "../dt/compile.ts";
import type { DeviceTree } from "../dt/tree.ts";
import { DEFAULT_FIXUP_RAM, fixupMemory } from "../sim/memory_fixup.ts";
import { gicHardware } from "../sim/gic_hardware.ts";

const NO_FILES = { readFile: () => undefined };

function tree(body: string): DeviceTree {
  return compileDts(
    "t.dts",
    `/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\n${body}\n};\n`,
    NO_FILES,
  ).tree;
}

function reg(t: DeviceTree, path: string): number[] {
  const p = t.lookup(path)!.prop("reg")!;
  return Array.from({ length: p.length / 4 }, (_, i) => p.u32(i));
}

Deno.test("fixupMemory() leaves a tree that describes RAM alone", () => {
  const t = tree('memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x20000000>; };');
  deepStrictEqual(fixupMemory(t), []);
  deepStrictEqual(reg(t, "/memory@40000000"), [0, 0x40000000, 0, 0x20000000]);
});

Deno.test("fixupMemory() gives a zero-sized memory@BASE node 2 GiB at its base, as U-Boot writes the DRAM it found", () => {
  const t = tree('memory@80000000 { device_type = "memory"; reg = <0 0x80000000 0 0>; };');
  const notes = fixupMemory(t);
  equal(notes.length, 1);
  ok(notes[0].includes("fdt_fixup_memory_banks"), notes[0]);
  deepStrictEqual(reg(t, "/memory@80000000"), [0, 0x80000000, 0, DEFAULT_FIXUP_RAM]);
});

Deno.test("fixupMemory() adds /memory in the first free 1 GiB-aligned window when the tree has none", () => {
  // Allwinner-style: SRAM at 0 and peripherals below 1 GiB, so DRAM goes to 0x40000000.
  const t = tree(
    'sram@0 { compatible = "mmio-sram"; reg = <0 0 0 0x10000>; };\n' +
      'uart@1c28000 { compatible = "snps,dw-apb-uart"; reg = <0 0x1c28000 0 0x400>; };',
  );
  equal(fixupMemory(t).length, 1);
  const m = t.lookup("/memory")!;
  equal(m.prop("device_type")!.str(), "memory");
  deepStrictEqual(reg(t, "/memory"), [0, 0x40000000, 0, DEFAULT_FIXUP_RAM]);
});

Deno.test("fixupMemory() clips the stand-in RAM below the first device above the base", () => {
  const t = tree(
    'memory@0 { device_type = "memory"; reg = <0 0 0 0>; };\n' +
      'syscon@32100000 { compatible = "syscon"; reg = <0 0x32100000 0 0x1000>; };',
  );
  fixupMemory(t);
  deepStrictEqual(reg(t, "/memory@0"), [0, 0, 0, 0x32100000]);
});

const GIC = `gic: interrupt-controller@8000000 {
  compatible = "arm,cortex-a15-gic"; interrupt-controller; #interrupt-cells = <3>;
  #address-cells = <2>; #size-cells = <2>; ranges;
  reg = <0 0x8000000 0 0x1000>, <0 0x8010000 0 0x2000>, <0 0x8030000 0 0x2000>, <0 0x8040000 0 0x2000>;
`;

Deno.test("gicHardware() sizes the GIC to the highest SPI the tree wires (interrupt ID + 1)", () => {
  const t = tree(
    `interrupt-parent = <&gic>;\n${GIC}};\n` +
      "dev@9000000 { reg = <0 0x9000000 0 0x1000>; interrupts = <0 355 4>, <0 3 4>; };",
  );
  const hw = gicHardware(t);
  equal(hw.lines.get(t.lookup("/interrupt-controller@8000000")!), 32 + 355 + 1);
});

Deno.test("gicHardware() gives GICv2m frames without a DT override disjoint MSI windows above the wired SPIs", () => {
  const frames = [0, 1, 2, 3].map((i) =>
    `v2m@${i}0000 { compatible = "arm,gic-v2m-frame"; msi-controller; reg = <0 0x${
      i + 8
    }0${i}0000 0 0x1000>; };`
  ).join("\n");
  const t = tree(
    `interrupt-parent = <&gic>;\n${GIC}${frames}\n};\n` +
      "dev@9000000 { reg = <0 0x9000000 0 0x1000>; interrupts = <0 160 4>; };",
  );
  const hw = gicHardware(t);
  const windows = t.lookup("/interrupt-controller@8000000")!.children.map((f) => {
    const typer = hw.registers.get(f)![0x8];
    return [(typer >>> 16) & 0x3ff, typer & 0x3ff];
  });
  // The highest wired interrupt is 192, so the windows start at 224 (rounded up to 32).
  deepStrictEqual(windows, [[224, 64], [288, 64], [352, 64], [416, 64]]);
  equal(hw.lines.get(t.lookup("/interrupt-controller@8000000")!), 480);
});

Deno.test("gicHardware() keeps a frame's DT-overridden MSI range and puts the others after it", () => {
  const t = tree(
    `${GIC}v2m@0 { compatible = "arm,gic-v2m-frame"; reg = <0 0x80a0000 0 0x1000>; arm,msi-base-spi = <100>; arm,msi-num-spis = <16>; };\n` +
      `v2m@1 { compatible = "arm,gic-v2m-frame"; reg = <0 0x80b0000 0 0x1000>; };\n};`,
  );
  const hw = gicHardware(t);
  const [a, b] = t.lookup("/interrupt-controller@8000000")!.children.map((f) =>
    hw.registers.get(f)![0x8]
  );
  equal(a, (100 << 16) | 16);
  equal(b, (116 << 16) | 64);
});
