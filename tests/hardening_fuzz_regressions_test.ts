// Defects the long boot fuzz found (scripts/fuzz_run.ts boot, 20 000 inputs), each fixed and
// held here twice: by its seed (the mutated tree the fuzzer built) and by a hand-made tree that
// isolates the cause.
import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";
import { InputError } from "../errors.ts";
import { bootBoard } from "../sim/boot.ts";
import { bootChecked } from "../sim/invariants.ts";
import { runFuzz } from "../scripts/fuzz_runner.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { fixupMemory } from "../sim/memory_fixup.ts";
import { bootFdtInfo } from "../hyp/bootfdt.ts";

const GOLDEN = new URL("./fixtures/golden/virt-gicv3/xen-input.dtb", import.meta.url).pathname;
const golden = () => new Uint8Array(readFileSync(GOLDEN));

Deno.test("fuzz boot seeds that once crashed, hung or broke an invariant now end cleanly", async () => {
  // 3836: PrimeCell window of 3 bytes; 4070, 18323: ramdisk module of 2^59 bytes; 6348: a leaf
  // run over /reserved-memory and a permitted device; 17442: a host-DT node over Xen's image;
  // 21783: root #address-cells 0x9c000002 (hung the memory fix-up); 28142: reserved-memory
  // covering all RAM (alloc_boot_pages); 37151: a GIC reg claiming a 624 GiB distributor;
  // 54777: RAM banks at 2^62 and 2^63 (ran Xen's boot allocator out of JS heap).
  for (const seed of [3836, 4070, 6348, 17442, 18323, 21783, 28142, 37151, 54777]) {
    const r = await runFuzz("boot", seed, 1, { timeoutMs: 30_000, jobs: 1 });
    deepStrictEqual([r.defects, r.hangs], [[], []], `seed ${seed}`);
  }
});

Deno.test("an arm,primecell node smaller than its 32 ID bytes is a register block without IDs", () => {
  const r = bootBoard("virt.dtb", golden(), {
    editTree: (t) => {
      const n = new Node("pl031@9050000");
      n.setProp(new Property("compatible", stringsBytes(["arm,pl031", "arm,primecell"])));
      n.setProp(new Property("reg", u32Bytes([0, 0x9050000, 0, 3])));
      t.root.addChild(n);
    },
  });
  equal(r.dom0.outcome, "ok");
});

Deno.test("a ramdisk module larger than RAM is refused as not loadable, without allocating it", () => {
  throws(
    () =>
      bootBoard("virt.dtb", golden(), {
        editTree: (t) => {
          const m = t.lookup("/chosen")!.children.find((c) => c.name.startsWith("module@0x4d"))!;
          m.setProp(new Property("reg", u32Bytes([0, 0x4d000000, 0x8000000, 0])));
        },
      }),
    (e) => e instanceof InputError && /Boot module \(ramdisk\) .* is not in RAM/.test(e.message),
  );
});

Deno.test("isolation: a leaf run over a reserved carve-out and the permitted device after it is sound", () => {
  const c = bootChecked("virt.dtb", golden(), {
    editTree: (t) => {
      // A no-map carve-out outside RAM ending where a device with iomem permission begins.
      const rm = t.root.addChild(new Node("reserved-memory"));
      rm.setProp(new Property("#address-cells", u32Bytes([2])));
      rm.setProp(new Property("#size-cells", u32Bytes([2])));
      rm.setProp(new Property("ranges", new Uint8Array()));
      const r = rm.addChild(new Node("ramoops@c0000000"));
      r.setProp(new Property("reg", u32Bytes([0, 0xc0000000, 0, 0x100000])));
      r.setProp(new Property("no-map", new Uint8Array()));
      const dev = t.root.addChild(new Node("syscon@c0100000"));
      dev.setProp(new Property("compatible", stringsBytes(["syscon"])));
      dev.setProp(new Property("reg", u32Bytes([0, 0xc0100000, 0, 0x1000])));
    },
  });
  equal(c.violations.length, 0, JSON.stringify(c.violations));
});

Deno.test("the memory fix-up leaves a tree alone whose root cell counts libfdt would refuse", () => {
  const t = readDtb(golden(), "virt.dtb");
  t.root.children = t.root.children.filter((c) => !c.name.startsWith("memory"));
  t.root.setProp(new Property("#address-cells", u32Bytes([0x9c000002])));
  deepStrictEqual(fixupMemory(t), []);
});

Deno.test("reserved regions that leave no free RAM end in Xen's alloc_boot_pages BUG, one line", () => {
  throws(
    () =>
      bootBoard("virt.dtb", golden(), {
        editTree: (t) => {
          const rm = t.root.addChild(new Node("reserved-memory"));
          rm.setProp(new Property("#address-cells", u32Bytes([2])));
          rm.setProp(new Property("#size-cells", u32Bytes([2])));
          rm.setProp(new Property("ranges", new Uint8Array()));
          const r = rm.addChild(new Node("all@40000000"));
          r.setProp(new Property("reg", u32Bytes([0, 0x40000000, 1, 0])));
          r.setProp(new Property("no-map", new Uint8Array()));
        },
      }),
    (e) =>
      e instanceof InputError && /Xen BUG at page_alloc\.c:440: alloc_boot_pages/.test(e.message),
  );
});

Deno.test("isolation: the GICD is the 64 KiB frame Xen maps, whatever size the GIC's reg claims", () => {
  const c = bootChecked("virt.dtb", golden(), {
    editTree: (t) => {
      const gic = t.root.children.find((n) => n.name.startsWith("intc@"))!;
      const reg = gic.prop("reg")!.cells();
      reg[2] = 0x9c; // GICD size 0x9c_00010000: past dom0's RAM at 0x60000000
      gic.setProp(new Property("reg", u32Bytes(reg)));
    },
  });
  equal(c.violations.length, 0, JSON.stringify(c.violations));
});

Deno.test("a RAM bank past the physical address space is one exact error line, from Xen or the machine", () => {
  // Xen's own parse of the banks (bootFdtInfo), for a tree whose machine dom0sim could build.
  const tree = readDtb(golden(), "virt.dtb");
  const m = tree.root.children.find((n) => n.name.startsWith("memory"))!;
  m.setProp(new Property("reg", u32Bytes([0, 0x40000000, 0, 0x80000000, 0x40000000, 2, 0, 1])));
  throws(
    () => bootFdtInfo(tree, { xenStart: 0x40200000, xenSize: 0x200000, fdtStart: 0, fdtSize: 0 }),
    (e) =>
      e instanceof InputError &&
      /RAM bank 0x4000000000000002-0x4000000000000003 ends beyond the 48-bit physical/.test(
        e.message,
      ),
  );
  // The whole boot: the machine cannot place that RAM, and says which node and why.
  throws(
    () =>
      bootBoard("virt.dtb", golden(), {
        editTree: (t) => {
          const mem = t.root.children.find((n) => n.name.startsWith("memory"))!;
          mem.setProp(new Property("reg", u32Bytes([0x40000000, 2, 0, 0x10000000])));
        },
      }),
    (e) =>
      e instanceof InputError && /memory@40000000: error: The board's RAM cannot be placed: /
        .test(e.message),
  );
});
