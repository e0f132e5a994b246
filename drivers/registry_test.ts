import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { attachNode, chooseModel, createDevices } from "./registry.ts";
import type { Sram } from "./sram.ts";

Deno.test("chooseModel() picks the model by compatible and device_type", () => {
  const n = (compatible: string[], deviceType?: string) => ({
    path: "/x",
    compatible,
    deviceType,
    reg: [],
  });
  assert.equal(chooseModel(n(["mmio-sram"])), "sram");
  assert.equal(chooseModel(n(["arm,pl011", "arm,primecell"])), "pl011");
  assert.equal(chooseModel(n(["arm,gic-v3"])), "gicv3");
  assert.equal(chooseModel(n(["arm,gic-400"])), "gicv2");
  assert.equal(chooseModel(n(["arm,cortex-a15-gic"])), "gicv2");
  assert.equal(chooseModel(n([], "memory")), "ram");
  assert.equal(chooseModel(n(["arm,pl031", "arm,primecell"])), "regblock");
  assert.equal(
    chooseModel(n(["mmio-sram"]), { byPath: { "/x": { model: "regblock" } } }),
    "regblock",
  );
});

Deno.test("attachNode() builds QEMU virt's GICv3 with one redistributor region for two CPUs", () => {
  const bus = new Bus();
  const regions = attachNode(bus, {
    path: "/intc@8000000",
    compatible: ["arm,gic-v3"],
    reg: [{ address: 0x0800_0000, size: 0x1_0000 }, { address: 0x080a_0000, size: 0xf6_0000 }],
    redistributorRegions: 1,
  }, { cpus: 2 });
  assert.deepEqual(regions.map((r) => r.device.model), [
    "gicv3-distributor",
    "gicv3-redistributor",
  ]);
  assert.equal(regions[0].device.name, "/intc@8000000 (GICD)");
  assert.equal((bus.read64(0x080a_0000 + 0x20000 + 8) >> 4n) & 1n, 1n); // Last on CPU1's frame
});

Deno.test("attachNode() builds a GIC-400 as GICD, GICC, GICH and GICV", () => {
  const bus = new Bus();
  const regions = attachNode(bus, {
    path: "/interrupt-controller@1c81000",
    compatible: ["arm,gic-400"],
    reg: [
      { address: 0x01c8_1000, size: 0x1000 },
      { address: 0x01c8_2000, size: 0x2000 },
      { address: 0x01c8_4000, size: 0x2000 },
      { address: 0x01c8_6000, size: 0x2000 },
    ],
  }, { cpus: 4 });
  assert.deepEqual(regions.map((r) => r.device.model), [
    "gicv2-distributor",
    "gicv2-cpu",
    "gicv2-hyp",
    "gicv2-vcpu",
  ]);
});

Deno.test("createDevices() applies SRAM options per path and makes RAM for memory nodes", () => {
  const d = createDevices({
    path: "/sram@c8000000",
    compatible: ["mmio-sram"],
    reg: [{ address: 0xc800_0000, size: 0x4000 }],
  }, { byPath: { "/sram@c8000000": { sram: { accessSizes: [4] } } } });
  assert.equal((d[0].device as Sram).acceptSizes, 4);
  const mem = createDevices({
    path: "/memory@40000000",
    compatible: [],
    deviceType: "memory",
    reg: [{ address: 0x4000_0000, size: 0x8000_0000 }, {
      address: 0x1_0000_0000,
      size: 0x1000_0000,
    }],
  });
  assert.deepEqual(mem.map((m) => [m.base, m.device.model, m.device.name]), [
    [0x4000_0000, "ram", "/memory@40000000#0"],
    [0x1_0000_0000, "ram", "/memory@40000000#1"],
  ]);
  assert.deepEqual(createDevices({ path: "/rtc", compatible: ["arm,pl031"], reg: [] }), []);
});
