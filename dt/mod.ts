/**
 * dom0sim's device-tree library: the model's libfdt + dtc.
 *
 * - {@link DeviceTree}, {@link Node}, {@link Property}: the tree model (`tree.ts`), with path,
 *   alias, label and phandle lookup;
 * - {@link readDtb}: flattened device tree → tree, fully validated (`dtb_read.ts`);
 * - {@link writeDtb}: tree → DTB byte-identical to `dtc -O dtb` (`dtb_write.ts`);
 * - {@link printDts}: tree → DTS text identical to `dtc -O dts [-s]` 1.6.1 (`dts_print.ts`);
 * - `fdt_create` … `fdt_finish`: libfdt's sequential-write API with its exact layout, as Xen
 *   builds dom0's tree (`fdt_sw.ts`), and the in-place edits `fdt_setprop_inplace`,
 *   `fdt_nop_property` (`fdt_wip.ts`);
 * - {@link deviceGetAddress}, {@link translateAddress}, {@link busRanges}: `reg` and `ranges`
 *   (`address.ts`); {@link deviceGetRawIrq}, {@link irqMapRaw}, {@link gicIrqXlate}:
 *   interrupts (`interrupts.ts`) — with Xen 4.17's or Linux 6.1's rules.
 *
 * @module
 */

export * from "./tree.ts";
export * from "./dtb_read.ts";
export * from "./dtb_write.ts";
export * from "./dts_print.ts";
export * from "./fdt_sw.ts";
export * from "./fdt_wip.ts";
export * from "./address.ts";
export * from "./interrupts.ts";

// ---- DTS compiler (dt-front): the C preprocessor, the dtc 1.6.1 front end and its checks.
export * from "./compile.ts";
export { CHECK_NAMES, type CheckMessage, UnknownCheckError } from "./checks.ts";
export { type CppOptions, type CppResult, preprocess } from "./cpp.ts";
