import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import {
  busOf,
  busRanges,
  childAddrCells,
  deviceAddresses,
  deviceGetAddress,
  getAddress,
  IORESOURCE_IO,
  IORESOURCE_MEM,
  IORESOURCE_PREFETCH,
  nAddrCells,
  nSizeCells,
  numberOfAddress,
  readNumber,
  regEntries,
  translateAddress,
} from "./address.ts";
import { readDtb } from "./dtb_read.ts";
import { Node, Property, stringsBytes, u32Bytes } from "./tree.ts";

type PropSpec = number[] | string | string[] | true;

/** Build a node from a compact spec: props as cells, strings or `true` (empty). */
function n(name: string, props: Record<string, PropSpec>, children: Node[] = []): Node {
  const node = new Node(name);
  for (const [k, v] of Object.entries(props)) {
    const val = v === true
      ? new Uint8Array(0)
      : typeof v === "string"
      ? stringsBytes([v])
      : typeof v[0] === "string"
      ? stringsBytes(v as string[])
      : u32Bytes(v as number[]);
    node.props.push(new Property(k, val));
  }
  for (const c of children) node.addChild(c);
  return node;
}

function at(root: Node, path: string): Node {
  let node = root;
  for (const p of path.split("/").filter(Boolean)) node = node.child(p)!;
  return node;
}

const ok = (address: bigint, size: bigint) => ({ ok: true, address, size });

Deno.test("nAddrCells() walks up from the parent and defaults the root to 2/1 (Xen) or 1/1 (Linux)", () => {
  const root = n("", {}, [n("a", {}, [n("b@1", { reg: [1] })])]);
  const b = at(root, "a/b@1");
  assert.equal(nAddrCells(b), 2);
  assert.equal(nSizeCells(b), 1);
  assert.equal(nAddrCells(b, { flavor: "linux" }), 1);
  assert.equal(nSizeCells(b, { flavor: "linux" }), 1);
  // An ancestor's value wins over the default, even two levels up.
  root.props.push(new Property("#address-cells", u32Bytes([3])));
  assert.equal(nAddrCells(b), 3);
  // childAddrCells() starts at the node itself.
  at(root, "a").props.push(new Property("#address-cells", u32Bytes([1])));
  assert.equal(childAddrCells(at(root, "a")), 1);
  assert.equal(nAddrCells(at(root, "a")), 3);
  // The root's own cells: dt_n_addr_cells(root) reads the root itself.
  assert.equal(nAddrCells(root), 3);
});

Deno.test("nAddrCells() refuses a #address-cells that is not one cell (strict) or reads it leniently", () => {
  const root = n("", { "#address-cells": [0, 2] }, [n("x", {})]);
  assert.throws(
    () => nAddrCells(at(root, "x")),
    (e: unknown) =>
      e instanceof InputError && e.location === "/" &&
      /#address-cells is 8 bytes, expected one cell/.test(e.detail),
  );
  assert.equal(nAddrCells(at(root, "x"), { strict: false }), 0);
});

Deno.test("deviceGetAddress() translates through empty ranges (1:1) and offset ranges", () => {
  const root = n("", { "#address-cells": [2], "#size-cells": [2] }, [
    n("soc", { "#address-cells": [1], "#size-cells": [1], ranges: [0, 0, 0xf0000000, 0x100000] }, [
      n("uart@1000", { reg: [0x1000, 0x100, 0x3000, 0x10] }),
      n("bus", { "#address-cells": [1], "#size-cells": [1], ranges: true }, [
        n("dev@20", { reg: [0x20, 4] }),
      ]),
    ]),
  ]);
  const uart = at(root, "soc/uart@1000");
  assert.equal(numberOfAddress(uart), 2);
  assert.deepEqual(deviceGetAddress(uart, 0), ok(0xf0001000n, 0x100n));
  assert.deepEqual(deviceGetAddress(uart, 1), ok(0xf0003000n, 0x10n));
  assert.deepEqual(deviceGetAddress(at(root, "soc/bus/dev@20"), 0), ok(0xf0000020n, 4n));
  assert.equal(deviceAddresses(uart).length, 2);
  const r = regEntries(uart);
  assert.deepEqual(r.map((e) => e.address), [0x1000n, 0x3000n]);
  assert.equal(r[0].flags, IORESOURCE_MEM);
});

Deno.test("deviceGetAddress() reports a missing ranges as untranslatable", () => {
  const root = n("", {}, [
    n("i2c@1", { reg: [0, 0x1000, 0x100], "#address-cells": [1], "#size-cells": [0] }, [
      n("eeprom@50", { reg: [0x50] }),
    ]),
    n("nr", { "#address-cells": [1], "#size-cells": [1] }, [n("d@4", { reg: [4, 4] })]),
  ]);
  // Xen: the parent without ranges is not a bus at all.
  const d = at(root, "nr/d@4");
  const x = deviceGetAddress(d, 0);
  assert.equal(x.ok, false);
  assert.equal(!x.ok && x.reason, "not-a-bus");
  assert.equal(numberOfAddress(d), 0);
  // Linux: reg is readable, the translation fails one level up.
  const l = deviceGetAddress(d, 0, { flavor: "linux" });
  assert.equal(!l.ok && l.reason, "no-ranges");
  assert.equal(!l.ok && l.at, "/nr");
  assert.equal(numberOfAddress(d, { flavor: "linux" }), 1);
  // #size-cells = 0 cannot be crossed.
  const e = deviceGetAddress(at(root, "i2c@1/eeprom@50"), 0, { flavor: "linux" });
  assert.equal(!e.ok && e.reason, "bad-cell-count");
});

Deno.test("deviceGetAddress() reports addresses outside every range", () => {
  const root = n("", { "#address-cells": [1], "#size-cells": [1] }, [
    n("soc", { "#address-cells": [1], "#size-cells": [1], ranges: [0, 0x1000, 0x100] }, [
      n("d@200", { reg: [0x200, 4] }),
    ]),
  ]);
  const r = deviceGetAddress(at(root, "soc/d@200"), 0);
  assert.equal(!r.ok && r.reason, "no-matching-range");
  assert.match(!r.ok ? r.message : "", /No ranges entry of \/soc covers address 0x200/);
  assert.equal(deviceGetAddress(at(root, "soc/d@200"), 1).ok, false);
  const idx = getAddress(at(root, "soc/d@200"), 5);
  assert.equal("ok" in idx && idx.reason, "index-out-of-range");
  assert.equal(deviceGetAddress(root, 0).ok, false);
});

Deno.test("deviceGetAddress() refuses a reg that is not a whole number of entries (strict)", () => {
  const root = n("", { "#address-cells": [2], "#size-cells": [1] }, [
    n("x@0", { reg: [0, 1, 2, 3] }),
  ]);
  assert.throws(
    () => deviceGetAddress(at(root, "x@0"), 0),
    (e: unknown) =>
      e instanceof InputError && e.location === "/x@0" &&
      /reg is 16 bytes, not a whole number of 3-cell entries/.test(e.detail),
  );
  assert.deepEqual(deviceGetAddress(at(root, "x@0"), 0, { strict: false }), ok(1n, 2n));
});

Deno.test("translateAddress() applies Xen's exact-match rule for more than 2 address cells", () => {
  const root = n("", { "#address-cells": [1], "#size-cells": [1] }, [
    n("b", { "#address-cells": [3], "#size-cells": [1], ranges: [1, 0, 0x100, 0x8000, 0x100] }, [
      n("d", { reg: [1, 0, 0x110, 4] }),
    ]),
  ]);
  const d = at(root, "b/d");
  const x = deviceGetAddress(d, 0);
  assert.equal(!x.ok && x.reason, "no-matching-range");
  assert.deepEqual(deviceGetAddress(d, 0, { flavor: "linux" }), ok(0x8010n, 4n));
});

Deno.test("translateAddress() wraps u64 arithmetic and reads only the low 64 bits", () => {
  assert.equal(readNumber([1, 2, 3], 0, 3), 0x0000000200000003n);
  const root = n("", { "#address-cells": [2], "#size-cells": [2] }, [
    n("s", {
      "#address-cells": [2],
      "#size-cells": [2],
      ranges: [0, 0, 0xffffffff, 0xfffff000, 0, 0x2000],
    }, [n("d", { reg: [0, 0x1800, 0, 4] })]),
  ]);
  assert.deepEqual(deviceGetAddress(at(root, "s/d"), 0), ok(0x800n, 4n));
});

// ---- the recorded QEMU virt tree (GICv3, PCIe host bridge)

function virt() {
  return readDtb(
    Deno.readFileSync(
      new URL("../tests/fixtures/dtb/xen-4.17/virt-gicv3/xen-input.dtb", import.meta.url),
    ),
    "xen-input.dtb",
  );
}

Deno.test("deviceGetAddress() decodes the QEMU virt GICv3 and ITS regions", () => {
  const t = virt();
  const gic = t.lookup("/intc@8000000")!;
  assert.deepEqual(deviceAddresses(gic), [ok(0x8000000n, 0x10000n), ok(0x80a0000n, 0xf60000n)]);
  assert.deepEqual(
    deviceGetAddress(t.lookup("/intc@8000000/its@8080000")!, 0),
    ok(0x8080000n, 0x20000n),
  );
  assert.deepEqual(
    deviceGetAddress(t.lookup("/pcie@10000000")!, 0),
    ok(0x4010000000n, 0x10000000n),
  );
});

Deno.test("busRanges() translates the PCIe host bridge windows with their space flags", () => {
  const t = virt();
  const pcie = t.lookup("/pcie@10000000")!;
  assert.equal(busOf(pcie), "pci");
  const r = busRanges(pcie);
  assert.ok(Array.isArray(r));
  assert.deepEqual(
    r.map((x) => [x.flags, x.cpu.ok && x.cpu.address, x.size]),
    [
      [IORESOURCE_IO, 0x3eff0000n, 0x10000n],
      [IORESOURCE_MEM, 0x10000000n, 0x2eff0000n],
      [IORESOURCE_MEM, 0x8000000000n, 0x8000000000n],
    ],
  );
});

Deno.test("deviceGetAddress() on a PCI bus uses assigned-addresses and the space code", () => {
  const t = virt();
  const pcie = t.lookup("/pcie@10000000")!;
  // A device at bus 0, dev 1: a 32-bit memory BAR and an I/O BAR.
  const dev = new Node("ethernet@1,0");
  dev.props.push(
    new Property("reg", u32Bytes([0x800, 0, 0, 0, 0])),
    new Property(
      "assigned-addresses",
      u32Bytes([0x82000810, 0, 0x10040000, 0, 0x1000, 0x81000814, 0, 0x1000, 0, 0x100]),
    ),
  );
  pcie.addChild(dev);
  assert.equal(numberOfAddress(dev), 2);
  assert.deepEqual(deviceGetAddress(dev, 0), ok(0x10040000n, 0x1000n));
  assert.deepEqual(deviceGetAddress(dev, 1), ok(0x3eff1000n, 0x100n));
  const e = getAddress(dev, 0);
  assert.ok(!("ok" in e));
  assert.equal(e.flags, IORESOURCE_MEM);
  // A prefetchable 64-bit BAR above the 32-bit window goes through the 512 GiB window.
  const t2 = translateAddress(dev, [0xc3000818, 0x80, 0x1000]);
  assert.deepEqual(t2, { ok: true, address: 0x8000001000n });
  // getFlags(): phys.hi 0xc3… = 64-bit prefetchable memory.
  const flagsOf = (hi: number) => {
    const d = new Node("d@2,0");
    d.props.push(new Property("assigned-addresses", u32Bytes([hi, 0, 0, 0, 0x10])));
    pcie.addChild(d);
    const g = getAddress(d, 0);
    return "ok" in g ? -1 : g.flags;
  };
  assert.equal(flagsOf(0xc3001018), IORESOURCE_MEM | IORESOURCE_PREFETCH);
  assert.equal(flagsOf(0x01001014), IORESOURCE_IO);
});
