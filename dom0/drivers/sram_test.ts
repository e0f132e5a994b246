// The Linux 6.1 sram driver's decisions and messages (drivers/misc/sram.c, sram-exec.c).
import assert from "node:assert/strict";
import { bootLinux, type Dom0Result } from "../boot.ts";
import { fakeMachine } from "../../tests/fixtures/dom0/fake_machine.ts";
import { dom0Dts, dtb, sramNode } from "../../tests/fixtures/dom0/dts.ts";
import type { Scenario } from "../workload.ts";

function boot(props: string, children: string, workload: Scenario | string = "boot"): Dom0Result {
  const m = fakeMachine({ dtb: dtb(dom0Dts(sramNode(props, children))) });
  return bootLinux(m.ports, m.entry, { workload });
}

const msgs = (r: Dom0Result) => r.console.map((l) => l.replace(/^\[[ 0-9.]+\] /, ""));
const sramMap = (r: Dom0Result) => r.mappings.find((m) => m.driver === "sram");

Deno.test("sram_probe() maps the region write-combine (ioremap_wc → Normal-NC) by default", () => {
  const r = boot("", "");
  const m = sramMap(r)!;
  assert.equal(m.api, "ioremap_wc");
  assert.equal(m.s1Type, "Normal-NC");
  assert.equal(m.ipa, 0xbff00000);
  assert.equal(m.device, "bff00000.sram");
  assert.ok(r.iomem.includes("bff00000-bfffffff : bff00000.sram sram@bff00000"));
});

Deno.test("sram_probe() honours no-memory-wc with a plain ioremap (Device-nGnRE)", () => {
  const m = sramMap(boot("\t\tno-memory-wc;", ""))!;
  assert.equal(m.api, "ioremap");
  assert.equal(m.s1Type, "Device-nGnRE");
});

Deno.test("sram_reserve_regions() exports a partition as <phys>.sram read/written with the _io routines", () => {
  const r = boot("", '\t\tfw@1000 { reg = <0x1000 0x200>; export; label = "fw"; };', {
    name: "t",
    process: "init",
    ops: [
      { op: "write", target: "fw", data: "abcdefghijkl" },
      { op: "read", target: "fw", length: 12 },
    ],
  });
  assert.equal(r.workload!.ok, true);
  assert.equal(r.workload!.ops[1].data, "6162636465666768696a6b6c");
  const counts = Object.fromEntries(r.accessCounts.map((s) => [s.routine, s]));
  assert.equal(counts["__memcpy_toio"].stores, 5); // 8-aligned: one 64-bit store + 4 byte stores
  assert.equal(counts["__memcpy_fromio"].loads, 5);
});

Deno.test("sram_reserve_regions() reports a child it cannot translate", () => {
  const r = boot("", "\t\tbad@200000 { reg = <0x200000 0x100>; export; };");
  assert.ok(
    msgs(r).includes(
      "sram bff00000.sram: could not get address for node /sram@bff00000/bad@200000",
    ),
  );
  assert.ok(msgs(r).includes("sram: probe of bff00000.sram failed with error -22"));
});

Deno.test("sram_reserve_regions() reports a child outside the region and fails the probe with -EINVAL", () => {
  const m = fakeMachine({
    dtb: dtb(dom0Dts(
      sramNode("", "\t\tbad@f0000 { reg = <0xf0000 0x20000>; export; };").replace(
        "ranges = <0 0x00 0xbff00000 0x100000>",
        "ranges = <0 0x00 0xbff00000 0x200000>",
      ),
    )),
  });
  const r = bootLinux(m.ports, m.entry);
  assert.ok(
    msgs(r).includes(
      "sram bff00000.sram: reserved block /sram@bff00000/bad@f0000 outside the sram area",
    ),
  );
  assert.ok(msgs(r).includes("sram: probe of bff00000.sram failed with error -22"));
  assert.ok(!r.iomem.includes("bff00000.sram"), "devres released the region");
});

Deno.test("sram_reserve_regions() rejects overlapping children with 'starts after current offset'", () => {
  const r = boot(
    "",
    "\t\ta@0 { reg = <0x0 0x2000>; pool; };\n\t\tb@1000 { reg = <0x1000 0x1000>; pool; };",
  );
  assert.ok(
    msgs(r).includes("sram bff00000.sram: block at 0x1000 starts after current offset 0x2000"),
  );
  assert.ok(msgs(r).includes("sram: probe of bff00000.sram failed with error -22"));
});

Deno.test("sram_check_protect_exec() refuses a partition that is not page aligned", () => {
  const r = boot("", "\t\tx@100 { reg = <0x100 0x1000>; protect-exec; };");
  assert.ok(
    msgs(r).includes(
      "sram bff00000.sram: SRAM pool marked with 'protect-exec' is not page aligned and will not be created.",
    ),
  );
  assert.ok(msgs(r).includes("sram: probe of bff00000.sram failed with error -12"));
});

Deno.test("sram_reserve_regions() rejects a label that is not a string", () => {
  const r = boot("", "\t\tx@0 { reg = <0x0 0x100>; pool; label = [01 02]; };");
  assert.ok(msgs(r).includes("sram bff00000.sram: /sram@bff00000/x@0 has invalid label name"));
});

Deno.test("sram pools hand out 32-byte granules from the driver's mapping (sram-pool path)", () => {
  const r = boot("", "\t\tp@1000 { reg = <0x1000 0x1000>; pool; };", {
    name: "t",
    process: "child",
    ops: [{ op: "memset_io", target: "p@1000", via: "sram-pool", length: 100, value: 0x55 }],
  });
  assert.equal(r.workload!.ok, true);
});

Deno.test("sram with map_only_reserved (Tegra SYSRAM) maps only its children", () => {
  const m = fakeMachine({
    dtb: dtb(dom0Dts(
      sramNode("", "\t\tp@1000 { reg = <0x1000 0x1000>; pool; };").replace(
        '"mmio-sram"',
        '"nvidia,tegra194-sysram", "mmio-sram"',
      ),
    )),
  });
  const r = bootLinux(m.ports, m.entry);
  const maps = r.mappings.filter((x) => x.driver === "sram");
  assert.equal(maps.length, 1);
  assert.equal(maps[0].ipa, 0xbff01000);
  assert.equal(maps[0].size, 0x1000);
});
