import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { readDtb } from "./dtb_read.ts";
import {
  countPhandleWithArgs,
  deviceGetRawIrq,
  deviceRawIrqs,
  findNodeByPhandle,
  gicIrqXlate,
  gicSpecifier,
  IRQ_TYPE_EDGE_RISING,
  IRQ_TYPE_LEVEL_HIGH,
  irqFindParent,
  irqMapEntries,
  irqMapRaw,
  numberOfIrq,
  parsePhandle,
  parsePhandleWithArgs,
} from "./interrupts.ts";
import { Node, Property, u32Bytes } from "./tree.ts";

function n(name: string, props: Record<string, number[] | true>, children: Node[] = []): Node {
  const node = new Node(name);
  for (const [k, v] of Object.entries(props)) {
    node.props.push(new Property(k, v === true ? new Uint8Array(0) : u32Bytes(v)));
  }
  for (const c of children) node.addChild(c);
  return node;
}

function virt() {
  return readDtb(
    Deno.readFileSync(
      new URL("../tests/fixtures/dtb/xen-4.17/virt-gicv3/xen-input.dtb", import.meta.url),
    ),
    "xen-input.dtb",
  );
}

const spec = (r: ReturnType<typeof deviceGetRawIrq>) => r.ok ? r.irq.specifier : r.reason;

Deno.test("deviceGetRawIrq() resolves QEMU virt interrupts through the root's interrupt-parent", () => {
  const t = virt();
  const gic = t.lookup("/intc@8000000")!;
  const uart = t.lookup("/pl011@9000000")!;
  assert.equal(irqFindParent(uart), gic);
  const r = deviceGetRawIrq(uart, 0);
  assert.ok(r.ok);
  assert.equal(r.irq.controller, gic);
  assert.deepEqual(r.irq.specifier, [0, 1, 4]);
  assert.deepEqual(gicIrqXlate(r.irq.specifier), { ok: true, irq: 33, type: 4, cpuMask: 0 });
});

Deno.test("deviceRawIrqs() lists the four timer PPIs", () => {
  const t = virt();
  const timer = t.lookup("/timer")!;
  assert.equal(numberOfIrq(timer), 4);
  const irqs = deviceRawIrqs(timer).map((r) => r.ok ? gicIrqXlate(r.irq.specifier) : r);
  assert.deepEqual(irqs.map((x) => x.ok && x.irq), [29, 30, 27, 26]);
  assert.equal(deviceGetRawIrq(timer, 4).ok, false);
});

Deno.test("irqMapRaw() routes a PCI INTx through interrupt-map and interrupt-map-mask", () => {
  const t = virt();
  const pcie = t.lookup("/pcie@10000000")!;
  const gic = t.lookup("/intc@8000000")!;
  // Device 1 (devfn 0x08 → phys.hi 0x800), INTA: slot 1 swizzle → SPI 4.
  const r = irqMapRaw(pcie, [1], [0x800, 0, 0]);
  assert.ok(r.ok);
  assert.equal(r.irq.controller, gic);
  assert.deepEqual(r.irq.specifier, [0, 4, 4]);
  // Function bits are masked off (mask 0x1800): devfn 0x0d (dev 1 fn 5) matches too.
  assert.deepEqual(spec(irqMapRaw(pcie, [2], [0x0d00, 0, 0])), [0, 5, 4]);
  // Device 4 (0x2000 & 0x1800 = 0) wraps to slot 0's entries.
  assert.deepEqual(spec(irqMapRaw(pcie, [1], [0x2000, 0, 0])), [0, 3, 4]);
  // A pin that is not in the map.
  assert.equal(spec(irqMapRaw(pcie, [5], [0, 0, 0])), "no-map-entry");
  // No unit address although #address-cells is 3.
  assert.equal(spec(irqMapRaw(pcie, [1], null)), "no-reg");
  // Wrong specifier size for the bridge's #interrupt-cells = 1.
  assert.equal(spec(irqMapRaw(pcie, [1, 2], [0, 0, 0])), "bad-specifier");
});

Deno.test("irqMapEntries() lists every interrupt-map target on the primary GIC", () => {
  const t = virt();
  const pcie = t.lookup("/pcie@10000000")!;
  const gic = t.lookup("/intc@8000000")!;
  const m = irqMapEntries(pcie, gic);
  assert.ok(Array.isArray(m));
  assert.equal(m.length, 16);
  assert.deepEqual(m.slice(0, 4).map((x) => x.specifier[1]), [3, 4, 5, 6]);
  // Entries for another controller are skipped.
  assert.deepEqual(irqMapEntries(pcie, pcie), []);
  assert.deepEqual(irqMapEntries(t.lookup("/pl011@9000000")!, gic), []);
});

function twoControllers(): Node {
  return n("", { "interrupt-parent": [1], "#address-cells": [1], "#size-cells": [1] }, [
    n("gic", { phandle: [1], "interrupt-controller": true, "#interrupt-cells": [3] }),
    n("gpio", {
      phandle: [2],
      "interrupt-controller": true,
      "#interrupt-cells": [2],
      interrupts: [0, 10, 4],
    }),
    n("dev", { "interrupts-extended": [1, 0, 5, 4, 2, 7, 1, 1, 1, 9, 1] }),
    n("child-of-gpio", { "interrupt-parent": [2], interrupts: [3, 2, 4, 8] }),
    n("bad", { "interrupt-parent": [9], interrupts: [1] }),
  ]);
}

Deno.test("deviceGetRawIrq() prefers interrupts-extended, one controller per entry", () => {
  const root = twoControllers();
  const dev = root.child("dev")!;
  assert.equal(numberOfIrq(dev), 3);
  const all = deviceRawIrqs(dev);
  assert.deepEqual(all.map((r) => r.ok && r.irq.controller.name), ["gic", "gpio", "gic"]);
  assert.deepEqual(all.map(spec), [[0, 5, 4], [7, 1], [1, 9, 1]]);
  assert.equal(countPhandleWithArgs(dev, "interrupts-extended", "#interrupt-cells"), 3);
  const pa = parsePhandleWithArgs(dev, "interrupts-extended", "#interrupt-cells", 1);
  assert.ok(pa.ok);
  assert.deepEqual(pa.args, [7, 1]);
  assert.equal(parsePhandle(root.child("child-of-gpio")!, "interrupt-parent"), root.child("gpio"));
});

Deno.test("deviceGetRawIrq() uses the interrupt-parent's #interrupt-cells", () => {
  const root = twoControllers();
  const c = root.child("child-of-gpio")!;
  assert.equal(numberOfIrq(c), 2);
  assert.deepEqual(deviceRawIrqs(c).map(spec), [[3, 2], [4, 8]]);
  // An unknown interrupt-parent phandle: no parent.
  assert.equal(irqFindParent(root.child("bad")!), null);
  assert.equal(spec(deviceGetRawIrq(root.child("bad")!, 0)), "no-parent");
  assert.equal(findNodeByPhandle(root, 0), undefined);
  assert.equal(findNodeByPhandle(c, 2), root.child("gpio"));
});

Deno.test("deviceGetRawIrq() refuses interrupts that are not whole specifiers (strict)", () => {
  const root = twoControllers();
  const d = n("odd", { interrupts: [0, 1, 4, 0] });
  root.addChild(d);
  assert.throws(
    () => deviceGetRawIrq(d, 0),
    (e: unknown) =>
      e instanceof InputError && e.location === "/odd" &&
      /interrupts is 16 bytes, not a whole number of 3-cell specifiers/.test(e.detail),
  );
  assert.deepEqual(spec(deviceGetRawIrq(d, 0, { strict: false })), [0, 1, 4]);
  // interrupts-extended naming a node without #interrupt-cells.
  const e = n("ext", { "interrupts-extended": [3, 1] });
  root.addChild(n("plain", { phandle: [3] }));
  root.addChild(e);
  assert.equal(numberOfIrq(e), 0);
  const x = countPhandleWithArgs(e, "interrupts-extended", "#interrupt-cells");
  assert.ok(typeof x !== "number" && x.reason === "EINVAL");
  // Arguments longer than the property.
  const long = n("long", { "interrupts-extended": [1, 0, 5] });
  root.addChild(long);
  assert.throws(() => deviceGetRawIrq(long, 0), InputError);
});

Deno.test("irqFindParent() and irqMapRaw() stop on interrupt-parent and interrupt-map loops", () => {
  const root = n("", {}, [
    n("a", { phandle: [1], "interrupt-parent": [2] }),
    n("b", { phandle: [2], "interrupt-parent": [1] }),
    n("dev", { "interrupt-parent": [1], interrupts: [5] }),
    n("m", {
      phandle: [3],
      "#interrupt-cells": [1],
      "#address-cells": [0],
      "interrupt-map": [5, 3, 5],
    }),
  ]);
  assert.equal(irqFindParent(root.child("dev")!), null);
  const r = irqMapRaw(root.child("m")!, [5], []);
  assert.equal(spec(r), "no-parent");
  assert.match(!r.ok ? r.message : "", /loops/);
});

Deno.test("gicIrqXlate() maps SPI n to 32+n and PPI n to 16+n, with Xen's and Linux's rules", () => {
  assert.deepEqual(gicIrqXlate([0, 0, IRQ_TYPE_LEVEL_HIGH]), {
    ok: true,
    irq: 32,
    type: 4,
    cpuMask: 0,
  });
  assert.deepEqual(gicIrqXlate([1, 13, 0xf08]), { ok: true, irq: 29, type: 8, cpuMask: 0xf });
  // Xen: any non-zero first cell is a PPI; Linux: 2 is an extended SPI.
  assert.equal(gicIrqXlate([2, 1, 1]).ok && (gicIrqXlate([2, 1, 1]) as { irq: number }).irq, 17);
  assert.deepEqual(gicIrqXlate([2, 1, IRQ_TYPE_EDGE_RISING], "linux"), {
    ok: true,
    irq: 4097,
    type: 1,
    cpuMask: 0,
  });
  assert.equal((gicIrqXlate([3, 0, 4], "linux") as { irq: number }).irq, 1056);
  assert.equal(gicIrqXlate([7, 0, 4], "linux").ok, false);
  assert.equal(gicIrqXlate([0, 1]).ok, false);
  assert.deepEqual(gicSpecifier(33, 4), [0, 1, 4]);
  assert.deepEqual(gicSpecifier(27, 0xf08), [1, 11, 0xf08]);
  assert.throws(() => gicSpecifier(3, 0), RangeError);
});

Deno.test("numberOfIrq() counts like of_irq_count() for Linux: up to the first unresolvable one", () => {
  const root = n("", { "interrupt-parent": [1] }, [
    n("gic", { phandle: [1], "interrupt-controller": true, "#interrupt-cells": [3] }),
    n("nexus", {
      phandle: [2],
      "#interrupt-cells": [1],
      "#address-cells": [0],
      "interrupt-map": [1, 1, 0, 7, 4],
    }),
    n("dev", { "interrupts-extended": [2, 1, 2, 9, 1, 0, 3, 4] }),
  ]);
  const dev = root.child("dev")!;
  assert.equal(numberOfIrq(dev), 3); // Xen counts entries
  assert.equal(numberOfIrq(dev, { flavor: "linux" }), 1); // entry 1 has no map entry
});

Deno.test("irqMapRaw() lets a Linux interrupt-map on an interrupt controller take precedence", () => {
  const root = n("", {}, [
    n("gic", { phandle: [1], "interrupt-controller": true, "#interrupt-cells": [3] }),
    n("intc", {
      phandle: [2],
      "interrupt-controller": true,
      "#interrupt-cells": [1],
      "#address-cells": [0],
      "interrupt-map": [5, 1, 0, 40, 4],
    }),
  ]);
  const intc = root.child("intc")!;
  const x = irqMapRaw(intc, [5], []);
  assert.ok(x.ok && x.irq.controller === intc); // Xen stops at the controller
  const l = irqMapRaw(intc, [5], [], { flavor: "linux" });
  assert.ok(l.ok && l.irq.controller === root.child("gic"));
  assert.deepEqual(l.ok && l.irq.specifier, [0, 40, 4]);
});
