// dom0 booted from the golden runs' dom0 DTBs (what real Xen 4.17 gave Debian's Linux 6.1 on QEMU
// virt) on the real CPU model, compared with what real Linux printed and exposed.
import assert from "node:assert/strict";
import { bootLinux, encodeInitrd } from "../dom0/mod.ts";
import { golden } from "./fixtures/dom0/fake_machine.ts";
import { realMachine } from "./fixtures/dom0/real_machine.ts";
import { readDtb } from "../dt/dtb_read.ts";

const strip = (l: string) => l.replace(/\r+$/, "").replace(/^\[[ 0-9.]+\] /, "");
const text = (run: string, f: string) => new TextDecoder().decode(golden(run, f));

for (const run of ["virt-gicv3", "virt-gicv3-sram"]) {
  Deno.test(`${run}: dom0 boots on the CPU model and prints real Linux's lines in real Linux's order`, () => {
    const m = realMachine({ dtb: golden(run, "dom0.dtb") });
    const r = bootLinux(m.cpus, m.entry);
    assert.equal(r.outcome, "ok");
    assert.equal(r.cpusOnline, 2);
    const g = text(run, "console.log").split("\n").map(strip);
    let at = 0;
    for (const l of r.console.map(strip)) {
      // Model-specific: the version, memblock placement, the initrd, and /dev/mem probe results
      // (QEMU 7.2, the recording, raises no Device alignment faults; the ARM ARM does).
      if (
        /^(Linux version |cma: Reserved |Initramfs unpacking failed|PROBE devmem |probe\[\d+\]: )/
          .test(l)
      ) continue;
      const i = g.indexOf(l, at);
      assert.ok(i >= 0, `${run}: not in golden console.log (after line ${at}): ${l}`);
      at = i + 1;
    }
    assert.equal(m.xen.console.join(""), r.console.map((l) => l + "\n").join(""));
  });

  Deno.test(`${run}: Xen sees the same unhandled SMCCC calls as in the golden xen.log`, () => {
    const m = realMachine({ dtb: golden(run, "dom0.dtb") });
    bootLinux(m.cpus, m.entry);
    const want = text(run, "xen.log").split("\n").map((l) =>
      l.match(/Unhandled SMC\/HVC: (0x[0-9a-f]+)/)?.[1]
    )
      .filter((x): x is string => !!x);
    assert.deepEqual(m.xen.unhandled, want);
  });

  Deno.test(`${run}: /proc/iomem matches the golden iomem.txt for the modelled regions`, () => {
    const m = realMachine({ dtb: golden(run, "dom0.dtb") });
    const r = bootLinux(m.cpus, m.entry);
    const g = new Set(text(run, "iomem.txt").trim().split("\n"));
    for (const l of r.iomem.trim().split("\n")) {
      if (/^ {2}7[0-9a-f]{7}-/.test(l)) continue; // top-of-RAM memblock allocations differ
      assert.ok(g.has(l), `${run}: not in golden iomem.txt: ${l}`);
    }
  });

  Deno.test(`${run}: dom0 zeroes /chosen/kaslr-seed in the DTB in memory, as real Linux left it`, () => {
    const m = realMachine({ dtb: golden(run, "dom0.dtb") });
    bootLinux(m.cpus, m.entry);
    const after = m.bus.readBytes(0x68000000, golden(run, "dom0.dtb").length);
    const chosen = readDtb(after, "after").root.child("chosen")!;
    assert.deepEqual([...chosen.prop("kaslr-seed")!.value], [0, 0, 0, 0, 0, 0, 0, 0]);
  });
}

Deno.test("virt-gicv3-sram: the workload in the initrd (cpio /init) runs and the export reads back", () => {
  const m = realMachine({ initrd: encodeInitrd("sram-export-write") });
  const r = bootLinux(m.cpus, m.entry);
  assert.equal(r.workload?.name, "sram-export-write");
  assert.equal(r.workload?.ok, true);
  assert.ok(r.console.includes("hello-sram"));
  assert.equal(new TextDecoder().decode(m.sram.mem.read(0, 11)), "hello-sram\n");
});
