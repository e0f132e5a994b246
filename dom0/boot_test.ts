// dom0's boot against the golden recordings of real Xen 4.17 + Debian Linux 6.1 on QEMU virt,
// on a test double of the CPU (flat memory, a tiny stage-1 walker).
import assert from "node:assert/strict";
import { bootLinux } from "./boot.ts";
import { encodeInitrd } from "./initrd.ts";
import { fakeMachine, golden } from "../tests/fixtures/dom0/fake_machine.ts";
import { readDtb } from "../dt/dtb_read.ts";

const strip = (l: string) => l.replace(/^\[[ 0-9.]+\] /, "");

/** Lines dom0 prints that legitimately differ from Debian's kernel. */
const MODEL_SPECIFIC = [
  /^Linux version /,
  /^cma: Reserved /, // memblock placement differs (the model allocates fewer early pages)
  /^Initramfs unpacking failed/,
  // QEMU 7.2 (the recording) raises no Device alignment faults; the model does (ARM ARM).
  /^PROBE devmem /,
  /^probe\[\d+\]: unhandled exception: /,
];

Deno.test("bootLinux() prints, in order, lines that real dom0 Linux 6.1 printed in the golden run", () => {
  const g = new TextDecoder().decode(golden("virt-gicv3-sram", "console.log")).split("\n").map((
    l,
  ) => strip(l.replace(/\r+$/, "")));
  const m = fakeMachine();
  const r = bootLinux(m.ports, m.entry);
  assert.equal(r.outcome, "ok");
  let at = 0;
  let matched = 0;
  for (const line of r.console.map(strip)) {
    if (MODEL_SPECIFIC.some((re) => re.test(line))) continue;
    const i = g.indexOf(line, at);
    assert.ok(i >= 0, `not in the golden console after line ${at}: ${JSON.stringify(line)}`);
    at = i + 1;
    matched++;
  }
  assert.ok(matched >= 45, `matched ${matched}`);
});

Deno.test("bootLinux() gives /proc/iomem the golden run's entries for the regions it models", () => {
  const g = new Set(
    new TextDecoder().decode(golden("virt-gicv3-sram", "iomem.txt")).trim().split("\n"),
  );
  const m = fakeMachine();
  const r = bootLinux(m.ports, m.entry);
  const mine = r.iomem.trim().split("\n");
  const modelled = mine.filter((l) => !/ : reserved$/.test(l) || /^ {2}6/.test(l));
  for (const l of modelled) {
    if (/^ {2}7/.test(l)) continue; // top-of-RAM memblock allocations differ
    assert.ok(g.has(l), `not in golden iomem.txt: ${l}`);
  }
  for (
    const l of [
      "08000000-0800ffff : GICD",
      "080a0000-08ffffff : GICR",
      "60000000-7fffffff : System RAM",
      "  60010000-6165ffff : Kernel code",
      "  61660000-61caffff : reserved",
      "  61cb0000-6200ffff : Kernel data",
      "  68000000-68001fff : reserved",
      "  68200000-6833afff : reserved",
      "bff00000-bfffffff : reserved",
      "  bff00000-bfffffff : bff00000.sram sram@bff00000",
      "4010000000-401fffffff : PCI ECAM",
    ]
  ) assert.ok(mine.includes(l), `missing: ${l}`);
  assert.ok(!r.iomemAtEnd.includes("bff00000.sram"), "the default workload unbinds sram");
});

Deno.test("bootLinux() zeroes /chosen/kaslr-seed in the DTB in memory, as Linux does", () => {
  const m = fakeMachine({ run: "virt-gicv3" });
  const original = golden("virt-gicv3", "dom0.dtb");
  bootLinux(m.ports, m.entry);
  const after = m.ports[0].peek(0x68000000, original.length);
  const chosen = readDtb(after, "after").root.child("chosen")!;
  assert.deepEqual([...chosen.prop("kaslr-seed")!.value], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(chosen.prop("rng-seed"), undefined);
});

Deno.test("bootLinux() probes SMCCC like 6.1: Xen leaves only TRNG_VERSION and the hyp UID unhandled", () => {
  const m = fakeMachine();
  const unhandled: string[] = [];
  const orig = m.ports[0].smccc;
  m.ports[0].smccc = (fn, x) => {
    const r = orig(fn, x);
    if (r === 0xffffffffffffffffn && fn !== 0x8400000a) unhandled.push("0x" + fn.toString(16));
    return r;
  };
  bootLinux(m.ports, m.entry);
  assert.deepEqual(unhandled, ["0x84000050", "0x8600ff01"]);
});

Deno.test("bootLinux() writes every console line to Xen with console_io", () => {
  const m = fakeMachine();
  const r = bootLinux(m.ports, m.entry);
  assert.equal(m.ports[0].console.join(""), r.console.map((l) => l + "\n").join(""));
  assert.ok(r.consoleAttached);
});

Deno.test("bootLinux() runs gic_dist_config's ICACTIVER writes that Xen's vGIC logs (7 on GICD, 1 per GICR)", () => {
  const m = fakeMachine();
  for (const p of m.ports) p.traceOn = true;
  const r = bootLinux(m.ports, m.entry);
  const gicd = r.mappings.find((x) => x.ipa === 0x08000000)!.va;
  const gicr = r.mappings.find((x) => x.ipa === 0x080a0000)!.va;
  const stores = (p: typeof m.ports[0], base: number, lo: number, hi: number) =>
    p.trace.filter((t) => t.op === "str" && t.va >= base + lo && t.va < base + hi).map((t) =>
      t.va - base
    );
  assert.deepEqual(stores(m.ports[0], gicd, 0x380, 0x400), [
    0x384,
    0x388,
    0x38c,
    0x390,
    0x394,
    0x398,
    0x39c,
  ]);
  assert.deepEqual(stores(m.ports[0], gicr, 0x10380, 0x10400), [0x10380]);
  assert.deepEqual(stores(m.ports[1], gicr, 0x30380, 0x30400), [0x30380]);
  // GICD_TYPER2 (offset 0xc) is read: Xen answers "RAZ on reserved register offset 0x00000c".
  assert.ok(m.ports[0].trace.some((t) => t.op === "ldr" && t.va === gicd + 0xc));
});

Deno.test("bootLinux() runs the workload an initrd carries", () => {
  const m = fakeMachine({ initrd: encodeInitrd("sram-export-write") });
  const r = bootLinux(m.ports, m.entry);
  assert.equal(r.workload?.name, "sram-export-write");
  assert.equal(r.workload?.ok, true);
  assert.equal(new TextDecoder().decode(m.sram.bytes.subarray(0, 11)), "hello-sram\n");
  assert.ok(!r.console.some((l) => l.includes("Initramfs unpacking failed")));
});

Deno.test("bootLinux() hangs quietly on a DTB Linux cannot read (no console yet)", () => {
  const m = fakeMachine();
  m.ram.bytes.fill(0, 0x08000000, 0x08000040); // wipe the header
  const r = bootLinux(m.ports, m.entry);
  assert.equal(r.outcome, "hang");
  assert.equal(r.consoleAttached, false);
  assert.equal(m.ports[0].console.length, 0);
  assert.ok(
    r.console.some((l) => l.includes("Error: invalid device tree blob at physical address")),
  );
});
