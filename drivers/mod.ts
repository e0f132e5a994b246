/**
 * Hardware models on the physical bus: RAM, SRAM, PL011, GIC register blocks, generic register
 * blocks, the compatible-based registry and the cost model.
 *
 * A machine is a {@link Bus} with devices (built from device-tree nodes with
 * {@link buildHostBus}), a {@link CostModel} shared by the CPUs, one `Cpu` per vCPU
 * (arch/arm64/cpu.ts) and {@link PhysicalMemory} for the hypervisor's own physical accesses.
 *
 * @example
 * ```ts
 * import { buildHostBus, CostModel, PhysicalMemory } from "./mod.ts";
 * const { bus } = buildHostBus([
 *   { path: "/memory@40000000", compatible: [], deviceType: "memory",
 *     reg: [{ address: 0x40000000, size: 0x8000000 }] },
 *   { path: "/pl011@9000000", compatible: ["arm,pl011"], reg: [{ address: 0x9000000, size: 0x1000 }] },
 * ]);
 * const mem = new PhysicalMemory(bus);
 * mem.writeU32(0x40000000, 0xd503201f);
 * const cost = new CostModel();
 * console.assert(mem.readU32(0x40000000) === 0xd503201f && cost.snapshot(bus).total.accesses === 0);
 * ```
 *
 * @module
 */

export * from "./device.ts";
export * from "./sparse_memory.ts";
export * from "./bus.ts";
export * from "./ram.ts";
export * from "./sram.ts";
export * from "./cache_model.ts";
export * from "./cost.ts";
export * from "./mmio_device.ts";
export * from "./register_block.ts";
export * from "./primecell.ts";
export * from "./pl011.ts";
export * from "./gic_common.ts";
export * from "./gic_v3.ts";
export * from "./gic_v2.ts";
export * from "./registry.ts";
export * from "./physical_memory.ts";
export * from "./host_bus.ts";
