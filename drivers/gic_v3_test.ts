import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import {
  GICD,
  GICR,
  Gicv3Distributor,
  Gicv3Redistributors,
  virtMpidr,
  WAKER_CHILDREN_ASLEEP,
} from "./gic_v3.ts";

Deno.test("Gicv3Distributor reports what Xen prints on QEMU virt: 256 lines, IID 0000043b", () => {
  const bus = new Bus();
  bus.attach(0x0800_0000, new Gicv3Distributor("/intc@8000000"));
  const typer = bus.read32(0x0800_0000 + GICD.TYPER);
  assert.equal(32 * ((typer & 0x1f) + 1), 256); // Xen gicv3_init: nr_lines
  assert.equal(bus.read32(0x0800_0000 + GICD.IIDR), 0x43b);
  assert.equal((bus.read32(0x0800_0000 + GICD.PIDR2) >> 4) & 0xf, 3); // GIC_PIDR2_ARCH_GICv3
  assert.equal(typer & (1 << 17), 1 << 17); // LPIS
});

Deno.test("Gicv3Distributor keeps enable state behind ISENABLER/ICENABLER and IROUTER per SPI", () => {
  const bus = new Bus();
  const d = new Gicv3Distributor();
  bus.attach(0, d);
  bus.write32(0x104, 0x0000_0003); // ISENABLER1: SPIs 32, 33
  bus.write32(0x184, 0x0000_0001); // ICENABLER1: SPI 32
  assert.equal(bus.read32(0x104), 2);
  assert.equal(bus.read32(0x184), 2);
  bus.write64(GICD.IROUTER + 33 * 8, 0x1_0000_0102n);
  assert.equal(bus.read64(GICD.IROUTER + 33 * 8), 0x1_0000_0102n);
  bus.writeBytes(0x400 + 33, new Uint8Array([0xa0])); // IPRIORITYR byte access
  assert.equal(bus.read32(0x400 + 32), 0xa000);
  bus.write32(GICD.CTLR, 0x80000012);
  assert.equal(bus.read32(GICD.CTLR) >>> 31, 0); // RWP reads 0
});

Deno.test("Gicv3Redistributors give each CPU its affinity and mark the last frame", () => {
  const bus = new Bus();
  const r = new Gicv3Redistributors("gicr", 0xf6_0000, [{ mpidr: virtMpidr(0) }, {
    mpidr: virtMpidr(1),
  }]);
  bus.attach(0x080a_0000, r);
  // Xen gicv3_populate_rdist: PIDR2 arch, TYPER affinity, Last, stride 2 x 64 KiB.
  const t0 = bus.read64(0x080a_0000 + GICR.TYPER);
  const t1 = bus.read64(0x080a_0000 + 0x20000 + GICR.TYPER);
  assert.equal(t0 >> 32n, 0n);
  assert.equal(t1 >> 32n, 1n);
  assert.equal((t0 >> 4n) & 1n, 0n);
  assert.equal((t1 >> 4n) & 1n, 1n);
  assert.equal((t1 >> 8n) & 0xffffn, 1n);
  assert.equal((bus.read32(0x080a_0000 + GICR.PIDR2) >> 4) & 0xf, 3);
  // Waking the redistributor: clear ProcessorSleep, ChildrenAsleep follows.
  bus.write32(0x080a_0000 + GICR.WAKER, 0);
  assert.equal(bus.read32(0x080a_0000 + GICR.WAKER) & WAKER_CHILDREN_ASLEEP, 0);
  // SGI frame: PPI enables are per redistributor.
  bus.write32(0x080a_0000 + GICR.SGI_BASE + 0x100, 1 << 27);
  assert.equal(bus.read32(0x080a_0000 + GICR.SGI_BASE + 0x100), 1 << 27);
  assert.equal(bus.read32(0x080a_0000 + 0x20000 + GICR.SGI_BASE + 0x100), 0);
  assert.equal(bus.read32(0x080a_0000 + 0x40000 + GICR.TYPER), 0); // unpopulated frame
});
