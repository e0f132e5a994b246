// Defects the long boot fuzz found (scripts/fuzz_run.ts boot, 20 000 inputs), each fixed and
// held here twice: by its seed (the mutated tree the fuzzer built) and by a hand-made tree that
// isolates the cause.
import { equal, ok, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";
import { InputError } from "../errors.ts";
import { bootBoard } from "../sim/boot.ts";
import { bootChecked } from "../sim/invariants.ts";
import { TARGETS } from "../scripts/fuzz_targets.ts";

const GOLDEN = new URL("./fixtures/golden/virt-gicv3/xen-input.dtb", import.meta.url).pathname;
const golden = () => new Uint8Array(readFileSync(GOLDEN));

Deno.test("fuzz boot seeds that once crashed or broke an invariant now end cleanly", () => {
  // 3836: PrimeCell window of 3 bytes; 4070, 18323: ramdisk module of 2^59 bytes; 6348: a leaf
  // run over /reserved-memory and a permitted device; 17442: a host-DT node over Xen's image.
  for (const seed of [3836, 4070, 6348, 17442, 18323]) {
    const outcome = TARGETS.boot.run(seed);
    ok(["clean", "fault", "error"].includes(outcome), `seed ${seed}: ${outcome}`);
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
