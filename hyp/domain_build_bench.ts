// Whole Xen boot in-process on recorded host trees: bootinfo, command line, heap, host devices,
// dom0's 1:1 RAM, stage-2 tables, the dom0 DTB (libfdt layout), module copies, vCPU state.
// Target (issue 4): ≤ 20 ms for the QEMU virt board.
// deno bench --allow-read hyp/domain_build_bench.ts
import { readFileSync } from "node:fs";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { Property, u32Bytes } from "../dt/tree.ts";
import { SparseMemory } from "./machine.ts";
import { bootXen } from "./xen.ts";

const GOLDEN = new URL("../tests/fixtures/golden", import.meta.url).pathname;
const FIX = new URL("../tests/fixtures/hyp", import.meta.url).pathname;

/** A 64-byte arm64 Image header (text_offset 0, image_size 32 MiB). */
function image(): Uint8Array {
  const h = new Uint8Array(64);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x91005a4d, true); // "MZ" + add x13, x18, #0x16
  v.setBigUint64(16, 0x2010000n, true);
  v.setBigUint64(24, 0xan, true);
  v.setUint32(56, 0x644d5241, true); // "ARM\x64"
  return h;
}

function bench(
  name: string,
  dir: string,
  edit?: (dtb: Uint8Array) => Uint8Array,
  xenCmdline?: string,
) {
  let dtb: Uint8Array = new Uint8Array(readFileSync(`${dir}/xen-input.dtb`));
  if (edit) dtb = edit(dtb);
  const kernels = (readDtb(dtb, "xen-input.dtb").lookup("/chosen")?.children ?? [])
    .filter((m) => m.compatible().includes("multiboot,kernel"))
    .map((m) => m.prop("reg")!.u32(1));
  Deno.bench(`bootXen: ${name}`, { group: "boot" }, () => {
    const mem = new SparseMemory();
    for (const k of kernels) mem.write(k, image());
    bootXen({ mem }, { hostDtb: dtb, hostDtbFile: "xen-input.dtb", xenCmdline });
  });
}

bench("virt GICv3, 2 GiB, dom0_mem=512M (golden)", `${GOLDEN}/virt-gicv3`);
bench("virt GICv2, 2 GiB, dom0_mem=512M", `${FIX}/virt-gicv2`);
bench("virt GICv3, 4 GiB, dom0_mem=1G", `${FIX}/virt-4g-dom0-1g`);
bench("virt GICv3, 4 vCPUs", `${FIX}/virt-smp4`);
bench(
  "virt GICv3, 8 GiB, dom0_mem=4G (4 GiB of dom0 RAM)",
  `${GOLDEN}/virt-gicv3`,
  (dtb) => {
    const t = readDtb(dtb, "xen-input.dtb");
    t.lookup("/memory@40000000")!.setProp(new Property("reg", u32Bytes([0, 0x40000000, 2, 0])));
    return writeDtb(t);
  },
  "dom0_mem=4G loglvl=all console=dtuart dtuart=/pl011@9000000",
);
