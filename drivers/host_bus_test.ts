import assert from "node:assert/strict";
import { buildHostBus } from "./host_bus.ts";
import type { Pl011 } from "./pl011.ts";

// The reference QEMU virt board with an mmio-sram in the last MiB of RAM (golden/virt-gicv3-sram).
const VIRT_SRAM = [
  {
    path: "/memory@40000000",
    compatible: [],
    deviceType: "memory",
    reg: [{ address: 0x4000_0000, size: 0x8000_0000 }],
  },
  {
    path: "/reserved-memory/sram-backing@bff00000",
    compatible: [],
    reg: [{ address: 0xbff0_0000, size: 0x10_0000 }],
  },
  {
    path: "/sram@bff00000",
    compatible: ["mmio-sram"],
    reg: [{ address: 0xbff0_0000, size: 0x10_0000 }],
  },
  {
    path: "/pl011@9000000",
    compatible: ["arm,pl011", "arm,primecell"],
    reg: [{ address: 0x0900_0000, size: 0x1000 }],
  },
  {
    path: "/intc@8000000",
    compatible: ["arm,gic-v3"],
    reg: [{ address: 0x0800_0000, size: 0x1_0000 }, { address: 0x080a_0000, size: 0xf6_0000 }],
    redistributorRegions: 1,
  },
  {
    path: "/pl031@9010000",
    compatible: ["arm,pl031", "arm,primecell"],
    reg: [{ address: 0x0901_0000, size: 0x1000 }],
  },
];

Deno.test("buildHostBus() carves the mmio-sram out of RAM and skips the reserved-memory child", () => {
  const h = buildHostBus(VIRT_SRAM, { cpus: 2 });
  assert.deepEqual(h.regions.map((r) => [r.base, r.device.model, r.device.name]), [
    [0x0800_0000, "gicv3-distributor", "/intc@8000000 (GICD)"],
    [0x080a_0000, "gicv3-redistributor", "/intc@8000000 (GICR region 0)"],
    [0x0900_0000, "pl011", "/pl011@9000000"],
    [0x0901_0000, "regblock", "/pl031@9010000"],
    [0x4000_0000, "ram", "/memory@40000000"],
    [0xbff0_0000, "sram", "/sram@bff00000"],
  ]);
  assert.equal(h.regions[4].end, 0xbff0_0000);
  assert.deepEqual(h.skipped, [{
    path: "/reserved-memory/sram-backing@bff00000",
    reason: "describes RAM (no compatible)",
  }]);
  h.bus.write32(0x0900_0000, 0x41);
  assert.equal((h.regions[2].device as Pl011).text(), "A");
});

Deno.test("buildHostBus() splits RAM around a device in its middle and skips overlapping devices", () => {
  const h = buildHostBus([
    {
      path: "/memory@0",
      compatible: [],
      deviceType: "memory",
      reg: [{ address: 0, size: 0x10_0000 }],
    },
    {
      path: "/sram@40000",
      compatible: ["mmio-sram"],
      reg: [{ address: 0x4_0000, size: 0x1_0000 }],
    },
    {
      path: "/dup@40000",
      compatible: ["vendor,thing"],
      reg: [{ address: 0x4_8000, size: 0x1000 }],
    },
  ]);
  assert.deepEqual(h.regions.map((r) => r.device.name), [
    "/memory@0 (part 0)",
    "/sram@40000",
    "/memory@0 (part 1)",
  ]);
  assert.equal(h.skipped[0].path, "/dup@40000");
  assert.match(h.skipped[0].reason, /overlaps \/sram@40000/);
});
