import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import {
  GICC,
  GICD_V2,
  GICH,
  Gicv2CpuInterface,
  Gicv2Distributor,
  Gicv2HypInterface,
  SPURIOUS,
} from "./gic_v2.ts";

Deno.test("Gicv2Distributor banks SGI/PPI enables and ITARGETSR0-7 by the accessing CPU", () => {
  const bus = new Bus();
  const d = new Gicv2Distributor("gicd", { lines: 288, cpus: 2, currentCpu: () => bus.currentCpu });
  bus.attach(0x0800_0000, d);
  const typer = bus.read32(0x0800_0000 + GICD_V2.TYPER);
  assert.equal(32 * ((typer & 0x1f) + 1), 288);
  assert.equal(((typer >> 5) & 7) + 1, 2);
  bus.currentCpu = 1;
  bus.write32(0x0800_0100, 1 << 30); // PPI 30 on CPU1
  assert.equal(bus.read32(0x0800_0800), 0x02020202);
  bus.currentCpu = 0;
  assert.equal(bus.read32(0x0800_0100), 0);
  assert.equal(bus.read32(0x0800_0800), 0x01010101);
  bus.write32(0x0800_0820, 0x01020304); // SPI targets 32..35
  assert.equal(bus.read32(0x0800_0820), 0x01020304);
  bus.write32(0x0800_0000 + GICD_V2.SGIR, (1 << 16) | 3);
  assert.deepEqual(d.sgis, [[1, 3]]);
});

Deno.test("Gicv2CpuInterface reads spurious from IAR and records EOIs; GICH reports 4 list registers", () => {
  const bus = new Bus();
  const c = new Gicv2CpuInterface("gicc");
  const h = new Gicv2HypInterface("gich");
  bus.attach(0x0801_0000, c);
  bus.attach(0x0803_0000, h);
  assert.equal(bus.read32(0x0801_0000 + GICC.IAR), SPURIOUS);
  bus.write32(0x0801_0000 + GICC.EOIR, 27);
  assert.deepEqual(c.eois, [27]);
  bus.write32(0x0801_0000 + GICC.PMR, 0xf0);
  assert.equal(bus.read32(0x0801_0000 + GICC.PMR), 0xf0);
  assert.equal(bus.read32(0x0803_0000 + GICH.VTR), 0x90000003);
  assert.equal(bus.read32(0x0803_0000 + GICH.ELRSR0), 0xf);
  bus.write32(0x0803_0000 + GICH.LR0, 0x1000_0000 | 27);
  assert.equal(bus.read32(0x0803_0000 + GICH.ELRSR0), 0xe);
});
