/**
 * The ARMv8-A memory system model: memory types, MAIR, descriptors, VTCR/TCR, syndromes, the
 * table walker, attribute combining, access checks and the CPU memory port.
 *
 * @module
 */

export * from "./port.ts";
export * from "./memory_type.ts";
export * from "./shareability.ts";
export * from "./mair.ts";
export * from "./granule.ts";
export * from "./stage1_descriptor.ts";
export * from "./stage2_descriptor.ts";
export * from "./vtcr.ts";
export * from "./tcr.ts";
export * from "./syndrome.ts";
export * from "./system_registers.ts";
export * from "./attr_combine.ts";
export * from "./access_check.ts";
export * from "./tlb.ts";
export * from "./walker.ts";
export * from "./exclusive_monitor.ts";
export * from "./table_builder.ts";
export * from "./cpu.ts";
export * from "./cpu_models.ts";
export * from "./sample_machine.ts";
