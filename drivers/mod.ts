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
