/**
 * Hardware models on the physical bus: RAM, SRAM, PL011, GIC register blocks, generic register
 * blocks, the compatible-based registry and the cost model.
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
export * from "./pl011.ts";
export * from "./gic_common.ts";
export * from "./gic_v3.ts";
export * from "./gic_v2.ts";
export * from "./registry.ts";
export * from "./physical_memory.ts";
