// The golden runs booted end to end through the whole model (firmware stage, Xen, dom0 on the
// CPU model): what real Xen 4.17 + Linux 6.1 recorded on QEMU (shared/reference/xen-4.17) is what
// dom0sim must produce — Xen's dom0-construction lines, the DTB Xen built, and the top of dom0's
// /proc/iomem.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bootBoard } from "../sim/boot.ts";
import { printDts } from "../dt/dts_print.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { fdt_nop_property, fdt_path_offset, fdt_setprop_inplace } from "../dt/fdt_wip.ts";

const FIXTURE = new URL("./fixtures/golden/", import.meta.url).pathname;

/** A file of the recordings (copies kept as fixtures: tests/fixtures/golden/README.md). */
function golden(run: string, file: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURE}${run}/${file}`));
}
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Xen's lines from "*** LOADING DOMAIN 0 ***" to "Loading d0 DTB". */
function constructionLines(lines: string[]): string[] {
  const a = lines.findIndex((l) => l.includes("*** LOADING DOMAIN 0 ***"));
  const b = lines.findIndex((l) => l.includes("Loading d0 DTB to"));
  return lines.slice(a, b + 1).filter((l) => !l.startsWith("(XEN) [dom0sim]"));
}

/** Mask what changes run to run (seeds), as the golden README says. */
function maskSeeds(dts: string): string {
  return dts.replace(/(kaslr-seed|rng-seed) = <[^>]*>;/g, "$1 = <masked>;");
}

for (const run of ["virt-gicv3", "virt-gicv3-sram"]) {
  const r = bootBoard(`${run}/xen-input.dtb`, golden(run, "xen-input.dtb"));

  Deno.test(`bootBoard(${run}): Xen's dom0-construction lines equal the recorded xen.log`, () => {
    const want = constructionLines(text(golden(run, "xen.log")).split("\n"));
    const got = constructionLines(r.serial.filter((l) => l.startsWith("(XEN)")));
    assert.deepEqual(got, want);
  });

  Deno.test(`bootBoard(${run}): the DTB Xen built for dom0 is byte for byte the recorded one, after dom0 Linux's two edits`, () => {
    // Linux zeroes kaslr-seed and NOPs rng-seed in place (facts/xen-4.17-dom0.md §1.1).
    const dtb = r.xen.build.dtb.slice();
    const chosen = fdt_path_offset(dtb, "/chosen");
    assert.ok(chosen >= 0);
    assert.equal(fdt_setprop_inplace(dtb, chosen, "kaslr-seed", new Uint8Array(8)), 0);
    assert.equal(fdt_nop_property(dtb, chosen, "rng-seed"), 0);
    assert.deepEqual(dtb, golden(run, "dom0.dtb"));
  });

  Deno.test(`bootBoard(${run}): the DTB Xen built prints like the recorded dom0.dts (dtc -s, seeds masked)`, () => {
    const got = printDts(readDtb(r.xen.build.dtb, "dom0.dtb"), { sort: true })
      .replace(/\t\trng-seed = <[^>]*>;\n/, "");
    assert.equal(maskSeeds(got), maskSeeds(text(golden(run, "dom0.dts"))));
  });

  Deno.test(`bootBoard(${run}): dom0's /proc/iomem has the recorded top-level regions, AMBA drivers, kernel, initrd and DTB lines`, () => {
    const want = text(golden(run, "iomem.txt")).split("\n").filter((l) =>
      l !== "" &&
      (!l.startsWith(" ") ||
        /: (Kernel (code|data)|rtc-pl031|9030000\.pl061 pl061@9030000)$/.test(l) ||
        (/: (reserved|bff00000\.sram.*)$/.test(l) && /^ {2}(6820|6800|bff)/.test(l)))
    );
    const got = r.dom0.iomem.split("\n");
    for (const l of want) assert.ok(got.includes(l), `missing iomem line: ${l}`);
  });

  Deno.test(`bootBoard(${run}): dom0 boots, Xen reports vGIC accesses as 4.17 does`, () => {
    assert.equal(r.dom0.outcome, "ok");
    // With --sram the recorded init runs probe.c on the SRAM through /dev/mem (Device-nGnRnE):
    // QEMU 7.2 let its unaligned accesses through; the architecture faults them at stage 1,
    // and each kills only the probe (SIGBUS), as on hardware; its LDXR/STXR on Device memory
    // gets the SRAM's IMPLEMENTATION DEFINED answer (DFSC 0x35, unsupported exclusive).
    for (const f of r.dom0.faults) {
      assert.equal(f.task.comm, "probe");
      assert.equal(f.outcome, "signal");
      assert.ok(f.fsc === 0x21 || f.fsc === 0x35, `fsc 0x${f.fsc.toString(16)}`);
    }
    if (run === "virt-gicv3-sram") assert.ok(r.dom0.faults.some((f) => f.fsc === 0x21));
    if (run === "virt-gicv3") assert.deepEqual(r.dom0.faults, []);
    const vgic = r.serial.filter((l) => l.includes("vGICD: unhandled word write"));
    assert.equal(vgic.length, 7, "ICACTIVER4..28 for 256 lines");
  });
}
