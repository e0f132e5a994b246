/**
 * DTB reader: flattened device tree bytes → {@link DeviceTree}, the model's `dt_from_blob`
 * (dtc 1.6.1 `flattree.c`) with libfdt-grade validation (`fdt_check_header`, `fdt_next_tag`).
 *
 * Accepted: versions 1–17 (v1–v3 carry full-path node names and 8-byte aligned long values, as
 * dtc reads them) and later versions whose `last_comp_version` is ≤ 17. Every offset, size and
 * token is checked before it is used; the reader never reads outside the blob and runs in time
 * linear in its size. Any violation throws {@link InputError} with location
 * `FILE: byte 0xOFF` (the offset of the offending field or token in the blob).
 *
 * What dtc 1.6.1 does with a blob, and so this reader: FDT_NOP tokens are ignored; the reserve
 * map ends at the first entry whose size is 0; property values and names are kept byte for byte
 * with no type markers (the DTS printer guesses types); **no labels are restored from
 * `__symbols__` and a blob with `__fixups__`/`__local_fixups__` is not marked as a plugin** — those
 * two features arrived in dtc 1.8.0 (`generate_labels_from_tree`, `flattree.c` `dt_from_blob`).
 *
 * Deliberate differences from dtc 1.6.1, all stricter or spec-following: NOPs are also accepted
 * before the root node and between the root's END_NODE and FDT_END (devicetree spec §5.4.1 says
 * NOPs are ignored anywhere; dtc dies there); blocks must be aligned (reserve map 8, structure
 * block 4), must lie inside `totalsize` and must not overlap each other or the header; FDT_END
 * must end the structure block (v17 `size_dt_struct`); nesting deeper than {@link MAX_DEPTH}
 * levels is refused.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { DeviceTree, Node, Property, type ReserveEntry } from "./tree.ts";

/** `FDT_MAGIC` (libfdt `fdt.h`): the first big-endian word of every blob. */
export const FDT_MAGIC = 0xd00dfeed;
/** Structure-block token `FDT_BEGIN_NODE` (devicetree spec §5.4.1). */
export const FDT_BEGIN_NODE = 0x1;
/** Structure-block token `FDT_END_NODE`. */
export const FDT_END_NODE = 0x2;
/** Structure-block token `FDT_PROP`. */
export const FDT_PROP = 0x3;
/** Structure-block token `FDT_NOP`. */
export const FDT_NOP = 0x4;
/** Structure-block token `FDT_END`. */
export const FDT_END = 0x9;
/** Header size of a v1 blob (`FDT_V1_SIZE`, 7 words). */
export const FDT_V1_SIZE = 28;
/** Header size of a v2 blob (`FDT_V2_SIZE`, adds `boot_cpuid_phys`). */
export const FDT_V2_SIZE = 32;
/** Header size of v3 and v16 blobs (`FDT_V3_SIZE`, adds `size_dt_strings`). */
export const FDT_V3_SIZE = 36;
/** Header size of a v17 blob (`FDT_V17_SIZE`, adds `size_dt_struct`). */
export const FDT_V17_SIZE = 40;
/** `FDT_LAST_SUPPORTED_VERSION` (libfdt_internal.h). */
export const FDT_LAST_SUPPORTED_VERSION = 17;
/** Size of one memory-reservation entry (two u64). */
export const FDT_RESERVE_ENTRY_SIZE = 16;
/**
 * Deepest node nesting accepted (the root is depth 1). A dom0sim limit, far above real trees
 * (< 16 levels) and Linux's own `FDT_MAX_DEPTH` of 64 (drivers/of/fdt.c); it keeps recursive
 * consumers of the tree safe from hostile blobs.
 */
export const MAX_DEPTH = 1024;

/** The header fields of a blob, as stored (all unsigned 32-bit). */
export interface FdtHeader {
  /** Always {@link FDT_MAGIC} for a header that was accepted. */
  magic: number;
  /** Size of the whole blob in bytes. */
  totalsize: number;
  /** Offset of the structure block. */
  offDtStruct: number;
  /** Offset of the strings block. */
  offDtStrings: number;
  /** Offset of the memory reservation map. */
  offMemRsvmap: number;
  /** Format version (17 for anything written today). */
  version: number;
  /** Oldest version this blob is compatible with (16 for v17 blobs). */
  lastCompVersion: number;
  /** Physical ID of the boot CPU (v2+; 0 for v1). */
  bootCpuidPhys: number;
  /** Size of the strings block (v3+; for older blobs, up to `totalsize`). */
  sizeDtStrings: number;
  /** Size of the structure block (v17+; for older blobs, up to the end of FDT_END). */
  sizeDtStruct: number;
  /** Header size implied by the version (28, 32, 36 or 40). */
  headerSize: number;
}

/** Options for {@link readDtb}. */
export interface ReadDtbOptions {
  /**
   * Receives the warnings dtc prints on stderr while reading a blob (location, message):
   * a property after a subnode (`Flat tree input has subnodes preceding a property`) and a NOP
   * in a blob older than v16. Not called when absent.
   */
  onWarning?: (location: string, message: string) => void;
}

function fail(file: string, off: number, msg: string): never {
  throw new InputError(`${file}: byte 0x${off.toString(16)}`, msg);
}

function hex(v: number): string {
  return "0x" + v.toString(16);
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function be64(b: Uint8Array, o: number): bigint {
  return (BigInt(be32(b, o)) << 32n) | BigInt(be32(b, o + 4));
}

/** Decode bytes [start, end) one char per byte; a plain loop beats spread for short names. */
function bytesToStr(b: Uint8Array, start: number, end: number): string {
  if (end - start > 64) {
    let s = "";
    for (let i = start; i < end; i += 4096) {
      s += String.fromCharCode.apply(null, Array.from(b.subarray(i, Math.min(end, i + 4096))));
    }
    return s;
  }
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function headerSizeFor(version: number): number {
  if (version <= 1) return FDT_V1_SIZE;
  if (version === 2) return FDT_V2_SIZE;
  if (version < 17) return FDT_V3_SIZE;
  return FDT_V17_SIZE;
}

/**
 * Read and validate a blob's header: magic, version, `totalsize` against the input length,
 * block offsets/sizes inside the blob and aligned. Block overlap and the reserve map are checked
 * by {@link readDtb}, which needs the reserve map's length.
 *
 * @throws {InputError} `FILE: byte 0xOFF` naming the bad header field.
 */
export function readDtbHeader(bytes: Uint8Array, file: string): FdtHeader {
  if (bytes.length < 8) {
    if (bytes.length >= 4 && be32(bytes, 0) !== FDT_MAGIC) {
      fail(file, 0, `Bad magic ${hex(be32(bytes, 0))}: not a device tree blob`);
    }
    fail(file, bytes.length, `Truncated header: ${bytes.length} bytes is too short for a blob`);
  }
  const magic = be32(bytes, 0);
  if (magic !== FDT_MAGIC) {
    fail(file, 0, `Bad magic ${hex(magic)}: not a device tree blob (expected 0xd00dfeed)`);
  }
  const totalsize = be32(bytes, 4);
  if (totalsize > bytes.length) {
    fail(file, 4, `totalsize ${hex(totalsize)} exceeds the ${hex(bytes.length)} bytes of input`);
  }
  if (totalsize < FDT_V1_SIZE) {
    fail(file, 4, `totalsize ${hex(totalsize)} is smaller than the smallest header (0x1c)`);
  }
  const version = be32(bytes, 0x14);
  const lastComp = be32(bytes, 0x18);
  if (version < 1) fail(file, 0x14, `Unsupported version ${version}`);
  if (lastComp > version) {
    fail(file, 0x18, `last_comp_version ${lastComp} is newer than version ${version}`);
  }
  if (version > FDT_LAST_SUPPORTED_VERSION && lastComp > FDT_LAST_SUPPORTED_VERSION) {
    fail(
      file,
      0x18,
      `Unsupported version ${version} (compatible back to ${lastComp}; this reader knows 1 to 17)`,
    );
  }
  const headerSize = headerSizeFor(version);
  if (totalsize < headerSize) {
    fail(file, 4, `totalsize ${hex(totalsize)} is smaller than the v${version} header`);
  }
  const offDtStruct = be32(bytes, 8);
  const offDtStrings = be32(bytes, 0xc);
  const offMemRsvmap = be32(bytes, 0x10);
  const bootCpuidPhys = version >= 2 ? be32(bytes, 0x1c) : 0;
  const sizeStr = version >= 3 ? be32(bytes, 0x20) : totalsize - offDtStrings;
  const sizeStruct = version >= 17 ? be32(bytes, 0x24) : totalsize - offDtStruct;

  // Reserve map: inside the blob, after the header, 8-byte aligned.
  if (offMemRsvmap < headerSize || offMemRsvmap >= totalsize) {
    fail(
      file,
      0x10,
      `Memory reservation map offset ${hex(offMemRsvmap)} is outside the blob ` +
        `(header ${hex(headerSize)}, totalsize ${hex(totalsize)})`,
    );
  }
  if (offMemRsvmap % 8 !== 0) {
    fail(file, 0x10, `Memory reservation map offset ${hex(offMemRsvmap)} is not 8-byte aligned`);
  }
  // Structure block.
  if (offDtStruct < headerSize || offDtStruct >= totalsize) {
    fail(
      file,
      8,
      `Structure block offset ${hex(offDtStruct)} is outside the blob ` +
        `(header ${hex(headerSize)}, totalsize ${hex(totalsize)})`,
    );
  }
  if (offDtStruct % 4 !== 0) {
    fail(file, 8, `Structure block offset ${hex(offDtStruct)} is not 4-byte aligned`);
  }
  if (version >= 17 && offDtStruct + sizeStruct > totalsize) {
    fail(
      file,
      0x24,
      `Structure block [${hex(offDtStruct)}, ${hex(offDtStruct + sizeStruct)}) extends past ` +
        `totalsize ${hex(totalsize)}`,
    );
  }
  if (version >= 17 && sizeStruct % 4 !== 0) {
    fail(file, 0x24, `Structure block size ${hex(sizeStruct)} is not a multiple of 4`);
  }
  // Strings block.
  if (offDtStrings < headerSize || offDtStrings > totalsize) {
    fail(
      file,
      0xc,
      `Strings block offset ${hex(offDtStrings)} is outside the blob ` +
        `(header ${hex(headerSize)}, totalsize ${hex(totalsize)})`,
    );
  }
  if (version >= 3 && offDtStrings + sizeStr > totalsize) {
    fail(
      file,
      0x20,
      `Strings block [${hex(offDtStrings)}, ${hex(offDtStrings + sizeStr)}) extends past ` +
        `totalsize ${hex(totalsize)}`,
    );
  }
  return {
    magic,
    totalsize,
    offDtStruct,
    offDtStrings,
    offMemRsvmap,
    version,
    lastCompVersion: lastComp,
    bootCpuidPhys,
    sizeDtStrings: sizeStr,
    sizeDtStruct: sizeStruct,
    headerSize,
  };
}

interface Block {
  name: string;
  start: number;
  end: number;
  field: number;
}

function checkOverlaps(file: string, blocks: Block[]): void {
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const a = blocks[i], b = blocks[j];
      if (a.start === a.end || b.start === b.end) continue;
      if (a.start < b.end && b.start < a.end) {
        const later = a.start > b.start || (a.start === b.start && a.field > b.field) ? a : b;
        const other = later === a ? b : a;
        fail(
          file,
          later.field,
          `${later.name} [${hex(later.start)}, ${hex(later.end)}) overlaps ${other.name} ` +
            `[${hex(other.start)}, ${hex(other.end)})`,
        );
      }
    }
  }
}

/**
 * Read a flattened device tree (DTB) into a {@link DeviceTree}, validating everything first.
 * Property values are views into one private copy of the structure block (the input is never
 * aliased), property names are decoded once per distinct string offset.
 *
 * @param bytes the blob; bytes after `totalsize` are ignored (as dtc does)
 * @param file the name used in error locations (`FILE: byte 0xOFF`)
 * @throws {InputError} on any malformed header, block layout or token stream
 *
 * @example
 * ```ts
 * import { readDtb } from "./dtb_read.ts";
 * import { writeDtb } from "./dtb_write.ts";
 * import { DeviceTree, Node } from "./tree.ts";
 * const t = new DeviceTree();
 * t.root.addChild(new Node("chosen"));
 * console.assert(readDtb(writeDtb(t), "t.dtb").lookup("/chosen") !== undefined);
 * ```
 */
export function readDtb(
  bytes: Uint8Array,
  file: string,
  opts: ReadDtbOptions = {},
): DeviceTree {
  const h = readDtbHeader(bytes, file);
  const v = h.version;
  const total = h.totalsize;

  // ---- Memory reservation map: entries until one with size 0 (dtc flat_read_mem_reserve).
  // It may not start inside another block nor run into one that starts after it.
  const rs = h.offMemRsvmap;
  const inside = (name: string, start: number, end: number) => {
    if (start <= rs && rs < end) {
      fail(
        file,
        0x10,
        `Memory reservation map at ${hex(rs)} overlaps ${name} [${hex(start)}, ${hex(end)})`,
      );
    }
  };
  if (v >= 17) inside("Structure block", h.offDtStruct, h.offDtStruct + h.sizeDtStruct);
  if (v >= 3) inside("Strings block", h.offDtStrings, h.offDtStrings + h.sizeDtStrings);
  const reserves: ReserveEntry[] = [];
  let r = h.offMemRsvmap;
  let rLimit = total;
  let rWhat = "the end of the blob";
  if (h.offDtStruct >= r && h.offDtStruct < rLimit) {
    rLimit = h.offDtStruct;
    rWhat = `the structure block at ${hex(rLimit)}`;
  }
  if (h.sizeDtStrings > 0 && h.offDtStrings >= r && h.offDtStrings < rLimit) {
    rLimit = h.offDtStrings;
    rWhat = `the strings block at ${hex(rLimit)}`;
  }
  for (;;) {
    if (r + FDT_RESERVE_ENTRY_SIZE > rLimit) {
      fail(file, r, `Memory reservation map is not terminated before ${rWhat}`);
    }
    const size = be64(bytes, r + 8);
    if (size === 0n) break;
    reserves.push({ address: be64(bytes, r), size, labels: [] });
    r += FDT_RESERVE_ENTRY_SIZE;
  }
  const rsvEnd = r + FDT_RESERVE_ENTRY_SIZE;

  // ---- Structure block bounds. v17 gives its size; older ones end at FDT_END (checked below).
  const sBase = h.offDtStruct;
  const sLimit = v >= 17 ? sBase + h.sizeDtStruct : total;
  const strBase = h.offDtStrings;
  const strLimit = strBase + h.sizeDtStrings;

  if (v >= 17) {
    checkOverlaps(file, [
      { name: "Header", start: 0, end: h.headerSize, field: -1 },
      { name: "Memory reservation map", start: h.offMemRsvmap, end: rsvEnd, field: 0x10 },
      { name: "Structure block", start: sBase, end: sLimit, field: 0x8 },
      { name: "Strings block", start: strBase, end: strLimit, field: 0xc },
    ]);
  } else {
    checkOverlaps(file, [
      { name: "Header", start: 0, end: h.headerSize, field: -1 },
      { name: "Memory reservation map", start: h.offMemRsvmap, end: rsvEnd, field: 0x10 },
    ]);
  }

  // One private copy of the structure block: property values are views into it.
  const sCopy = bytes.slice(sBase, sLimit);
  const fullPath = v < 16;
  const varAlign = v < 16;
  // Property names by string offset, decoded once each.
  const nameCache: (string | undefined)[] = [];
  const warn = opts.onWarning;
  const warnLoc = (off: number) => `${file}: byte 0x${off.toString(16)}`;

  // Struct offsets below are relative to sBase; `at(o)` gives the absolute blob offset.
  const at = (o: number) => sBase + o;
  const sLen = sLimit - sBase;
  const word = (o: number): number => {
    if (o + 4 > sLen) {
      fail(file, at(o), "Structure block ends inside a token (missing FDT_END?)");
    }
    return be32(sCopy, o);
  };

  const readName = (o: number): number => {
    // Returns the offset of the NUL terminating the name starting at o.
    const nul = sCopy.indexOf(0, o);
    if (nul < 0) fail(file, at(o), "Node name is not NUL-terminated inside the structure block");
    return nul;
  };

  const propName = (nameoff: number, tokOff: number): string => {
    const cached = nameoff < h.sizeDtStrings ? nameCache[nameoff] : undefined;
    if (cached !== undefined) return cached;
    if (nameoff >= h.sizeDtStrings) {
      fail(
        file,
        at(tokOff + 8),
        `Property name offset ${hex(nameoff)} is outside the strings block (size ${
          hex(h.sizeDtStrings)
        })`,
      );
    }
    const a = strBase + nameoff;
    let e = a;
    while (e < strLimit && bytes[e] !== 0) e++;
    if (e >= strLimit) {
      fail(
        file,
        at(tokOff + 8),
        `Property name at strings offset ${hex(nameoff)} is not NUL-terminated`,
      );
    }
    const s = bytesToStr(bytes, a, e);
    nameCache[nameoff] = s;
    return s;
  };

  let o = 0;
  // Leading NOPs, then the root's BEGIN_NODE.
  let tok = word(o);
  while (tok === FDT_NOP) {
    if (v < 16) warn?.(warnLoc(at(o)), "NOP tag found in flat tree version <16");
    o += 4;
    tok = word(o);
  }
  if (tok !== FDT_BEGIN_NODE) {
    fail(
      file,
      at(o),
      `Structure block does not begin with FDT_BEGIN_NODE (begins with 0x${
        tok.toString(16).padStart(8, "0")
      })`,
    );
  }

  const stack: Node[] = [];
  const flatNames: string[] = [];
  let root: Node | null = null;

  const beginNode = (tokOff: number): void => {
    if (stack.length >= MAX_DEPTH) {
      fail(file, at(tokOff), `Nodes nested deeper than ${MAX_DEPTH} levels`);
    }
    const nameStart = tokOff + 4;
    const nul = readName(nameStart);
    const flat = bytesToStr(sCopy, nameStart, nul);
    let name = flat;
    if (fullPath) {
      // dtc nodename_from_path(): the child's full path must extend the parent's.
      const parent = stack.length ? flatNames[flatNames.length - 1] : "";
      if (!flat.startsWith(parent)) {
        fail(file, at(nameStart), `Path "${flat}" is not valid as a child of "${parent}"`);
      }
      name = flat.slice(parent === "/" ? parent.length : parent.length + 1);
    }
    const node = new Node(name);
    if (stack.length) stack[stack.length - 1].addChild(node);
    else root = node;
    stack.push(node);
    if (fullPath) flatNames.push(flat);
    o = (nul + 4) & ~3;
    if (o > sLen) fail(file, at(sLen), "Structure block ends inside a node name's padding");
  };

  beginNode(o);
  while (stack.length) {
    const t = word(o);
    switch (t) {
      case FDT_PROP: {
        if (o + 12 > sLen) fail(file, at(o), "Structure block ends inside a property header");
        const len = be32(sCopy, o + 4);
        const nameoff = be32(sCopy, o + 8);
        const name = propName(nameoff, o);
        const node = stack[stack.length - 1];
        if (node.children.length) {
          warn?.(warnLoc(at(o)), "Flat tree input has subnodes preceding a property.");
        }
        let vStart = o + 12;
        if (varAlign && len >= 8) vStart = (vStart + 7) & ~7;
        if (len > sLen - vStart) {
          fail(
            file,
            at(o + 4),
            `Property '${name}' length ${hex(len)} runs past the end of the structure block`,
          );
        }
        const prop = Property.view(name, sCopy, vStart, len);
        node.props.push(prop);
        o = (vStart + len + 3) & ~3;
        if (o > sLen) fail(file, at(sLen), "Structure block ends inside a property's padding");
        break;
      }
      case FDT_BEGIN_NODE:
        beginNode(o);
        break;
      case FDT_END_NODE:
        stack.pop();
        if (fullPath) flatNames.pop();
        o += 4;
        break;
      case FDT_NOP:
        if (v < 16) warn?.(warnLoc(at(o)), "NOP tag found in flat tree version <16");
        o += 4;
        break;
      case FDT_END:
        fail(file, at(o), "Premature FDT_END inside a node");
        break;
      default:
        fail(file, at(o), `Invalid token 0x${t.toString(16).padStart(8, "0")}`);
    }
  }
  // Trailing NOPs, then FDT_END, which must close the structure block.
  tok = word(o);
  while (tok === FDT_NOP) {
    o += 4;
    tok = word(o);
  }
  if (tok !== FDT_END) {
    fail(
      file,
      at(o),
      tok === FDT_BEGIN_NODE
        ? "A second root node follows the root node (expected FDT_END)"
        : `Expected FDT_END after the root node, found 0x${tok.toString(16).padStart(8, "0")}`,
    );
  }
  o += 4;
  if (v >= 17 && o !== sLen) {
    fail(
      file,
      at(o),
      `FDT_END is not the last token: ${sLen - o} bytes of the structure block follow it`,
    );
  }
  if (v < 17) {
    checkOverlaps(file, [
      { name: "Header", start: 0, end: h.headerSize, field: -1 },
      { name: "Memory reservation map", start: h.offMemRsvmap, end: rsvEnd, field: 0x10 },
      { name: "Structure block", start: sBase, end: sBase + o, field: 0x8 },
      { name: "Strings block", start: strBase, end: strLimit, field: 0xc },
    ]);
  }

  const tree = new DeviceTree(root as unknown as Node);
  tree.reserves = reserves;
  tree.bootCpuidPhys = h.bootCpuidPhys;
  return tree;
}
