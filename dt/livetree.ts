/**
 * dtc's live tree while a source is compiled: nodes and properties with deletion flags, label
 * lists with deletion flags, source-position chains, internal phandles and the bus/cells data the
 * checks compute. It reproduces dtc 1.6.1's `livetree.c` (merge_nodes, delete_node,
 * get_node_by_ref, get_node_phandle, add_orphan_node, generate_label_tree,
 * generate_fixups_tree, generate_local_fixups_tree) so the tree that comes out is the one dtc
 * would flatten, in the same order. {@link toDeviceTree} turns it into the public model of
 * `dt/tree.ts` (no deleted items), {@link fromDeviceTree} goes the other way (DTB input).
 *
 * Conventions shared with `dt/tree.ts`:
 * - label lists are kept in dtc's list order: `add_label` prepends, so `a: b: node` gives
 *   `[a, b]` while a later `c: &a {}` merge gives `[c, a, b]`; the DTS printer prints them in
 *   array order, as dtc's `write_tree_source_node` walks its list;
 * - markers are in dtc's list order (the order dtc's `data_add_marker`/`data_merge` build);
 *   `/incbin/` data carries dtc's TYPE_NONE marker internally only (it never changes the printed
 *   text, so it is dropped on export).
 *
 * @module
 */

import {
  DeviceTree,
  type Marker,
  type MarkerKind,
  Node,
  Property,
  type ReserveEntry,
  type SourcePos,
} from "./tree.ts";

/**
 * A source span as dtc's `struct srcpos` holds it (1-based; `lastCol` is one past the end). It is
 * also a `SourcePos` of `dt/tree.ts` (file, line, col of the start), so the public tree can use it.
 */
export interface SrcPos extends SourcePos {
  /** File name as dtc knows it at that point (after cpp line markers). */
  file: string;
  /** First line. */
  line: number;
  /** First column. */
  col: number;
  /** Last line. */
  lastLine: number;
  /** Column just after the last character. */
  lastCol: number;
}

/** Format a span the way dtc's `srcpos_string` does: `f:1.2-3.4`, `f:1.2-5` or `f:1.2`. */
export function srcposString(p: SrcPos): string {
  if (p.line !== p.lastLine) {
    return `${p.file}:${p.line}.${p.col}-${p.lastLine}.${p.lastCol}`;
  }
  if (p.col !== p.lastCol) return `${p.file}:${p.line}.${p.col}-${p.lastCol}`;
  return `${p.file}:${p.line}.${p.col}`;
}

/** The `file:line:col` of a span's start (the InputError location form). */
export function srcposStart(p: SrcPos): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** A marker in a live value (dtc `struct marker`; the public {@link Marker}). */
export type LMarker = Marker;

/** The shared empty label list (replaced on the first {@link addLabel}). */
export const NO_LABELS: LLabel[] = Object.freeze([]) as unknown as LLabel[];

/** One label with dtc's deletion flag. */
export interface LLabel {
  /** Label name. */
  name: string;
  /** Deleted along with its node or property (revived when re-added). */
  deleted: boolean;
}

/**
 * A live property (dtc `struct property`): a public {@link Property} with dtc's internal state.
 * `value`, `markers`, `deleted` are shared with the public view; `labels` is filled from
 * `llabels` on export.
 */
export class LProp extends Property {
  /** Labels in dtc list order, with deletion flags. */
  llabels: LLabel[] = NO_LABELS;
  /** Where the property was (last) defined; null for generated properties. */
  srcpos: SrcPos | null;
  /** The value came (partly) from `/incbin/`: dtc keeps a TYPE_NONE marker for it. */
  hasNoneMarker = false;

  /** Make a property. */
  constructor(name: string, value: Uint8Array, markers: LMarker[], srcpos: SrcPos | null) {
    super(name, value, markers);
    this.srcpos = srcpos;
  }
}

// A live property's public `pos` (declared, never initialized, by `Property`) reads its source
// position: an accessor on the prototype, so exporting a tree adds no field to each property.
// (TypeScript does not allow overriding a declared field with an accessor, hence defineProperty;
// compile_test checks that exported properties carry their position.)
Object.defineProperty(LProp.prototype, "pos", {
  get(this: LProp): SourcePos | undefined {
    return this.srcpos ?? undefined;
  },
  set(this: LProp, p: SourcePos | undefined) {
    this.srcpos = p ? { lastLine: p.line, lastCol: p.col, ...p } : null;
  },
  configurable: true,
});

/** Bus kinds the checks attach to nodes (dtc `struct bus_type`). */
export type BusType = "PCI" | "simple-bus" | "i2c-bus" | "spi-bus" | "graph-port" | "graph-ports";

/**
 * A live node (dtc `struct node`): a public {@link Node} whose `props`/`children` may hold
 * deleted items while the source is compiled; {@link toDeviceTree} removes them.
 */
export class LNode extends Node {
  /** Properties including deleted ones, in order. */
  declare props: LProp[];
  /** Children including deleted ones, in order. */
  declare children: LNode[];
  /** Parent, null for the root and for nodes not yet attached. */
  declare parent: LNode | null;
  /** Labels in dtc list order, with deletion flags. */
  llabels: LLabel[] = NO_LABELS;
  /** Source spans: the first definition followed by every merged one ("also defined at"). */
  srcpos: SrcPos[] = [];
  /** dtc's internal phandle (0 when none assigned). */
  ph = 0;
  /** Full path, set by {@link fillFullpaths} (null for nodes it did not reach). */
  fullpath: string | null = null;
  /** Length of the name without unit address. */
  basenamelen = 0;
  /**
   * `#address-cells` as the addr_size_cells check reads it (-1 when absent). 0 until that check
   * runs, as in dtc (zeroed node): checks that do not depend on it see 0 when it was skipped.
   */
  addrCells = 0;
  /** `#size-cells` likewise (-1 when absent, 0 before the check). */
  sizeCells = 0;
  /** Bus type set by the bus bridge checks. */
  bus: BusType | null = null;
  /** Facts the checks gather in their first pass (a bit set private to `checks.ts`). */
  ckFlags = 0;
}

// Likewise a live node's public `pos` is its first source position.
Object.defineProperty(LNode.prototype, "pos", {
  get(this: LNode): SourcePos | undefined {
    return this.srcpos.length ? this.srcpos[0] : undefined;
  },
  set(this: LNode, p: SourcePos | undefined) {
    const rest = this.srcpos.slice(1);
    this.srcpos = p ? [{ lastLine: p.line, lastCol: p.col, ...p }, ...rest] : rest;
  },
  configurable: true,
});

/** A `/memreserve/` entry with labels. */
export interface LReserve {
  /** Start address. */
  address: bigint;
  /** Size. */
  size: bigint;
  /** Labels in dtc list order. */
  labels: LLabel[];
}

/** What the parser produces (dtc `struct dt_info`). */
export class LiveTree {
  /** The root node. */
  root: LNode;
  /** Reserve entries in source order. */
  reserves: LReserve[];
  /** `/plugin/` was declared. */
  plugin: boolean;
  /** `boot_cpuid_phys` as guessed from `/cpus` (dtc `guess_boot_cpuid`). */
  bootCpuidPhys: number;
  /** Next phandle candidate (dtc's static counter in `get_node_phandle`). */
  nextPhandle = 1;
  /** Phandles handed out, for `get_node_by_phandle`. */
  private phandleIndex = new Map<number, LNode[]>();
  /** Property name for generated phandles (dtc `-H`). */
  phandleFormat: "epapr" | "legacy" | "both" = "epapr";

  /** Wrap a parsed root. */
  constructor(root: LNode, reserves: LReserve[], plugin: boolean, bootCpuidPhys: number) {
    this.root = root;
    this.reserves = reserves;
    this.plugin = plugin;
    this.bootCpuidPhys = bootCpuidPhys;
  }

  /** Record that `node` now has phandle `ph` (dtc sets `node->phandle`). */
  setPhandle(node: LNode, ph: number): void {
    node.ph = ph;
    const list = this.phandleIndex.get(ph);
    if (list) list.push(node);
    else this.phandleIndex.set(ph, [node]);
  }

  /** dtc `get_node_by_phandle`: the first reachable (non-deleted) node with that phandle. */
  nodeByPhandle(ph: number): LNode | undefined {
    if (ph === 0 || ph === 0xffffffff) return undefined;
    const list = this.phandleIndex.get(ph);
    if (!list) return undefined;
    let found: LNode | undefined;
    let count = 0;
    for (const n of list) {
      if (n.ph === ph && isReachable(n, this.root)) {
        count++;
        if (!found) found = n;
      }
    }
    if (count <= 1) return found;
    // Several candidates: dtc returns the first in pre-order.
    return preorderFirst(this.root, (n) => n.ph === ph);
  }

  /** dtc `get_node_phandle`: allocate (and add the property) on first use. */
  nodePhandle(node: LNode): number {
    if (node.ph !== 0 && node.ph !== 0xffffffff) return node.ph;
    let ph = this.nextPhandle;
    while (this.nodeByPhandle(ph)) ph++;
    this.nextPhandle = ph;
    this.setPhandle(node, ph);
    const bytes = new Uint8Array([ph >>> 24, (ph >>> 16) & 0xff, (ph >>> 8) & 0xff, ph & 0xff]);
    if (!getProperty(node, "linux,phandle") && this.phandleFormat !== "epapr") {
      addProperty(
        node,
        new LProp(
          "linux,phandle",
          bytes.slice(),
          [{ kind: "type_u32", offset: 0, ref: undefined }],
          null,
        ),
      );
    }
    if (!getProperty(node, "phandle") && this.phandleFormat !== "legacy") {
      addProperty(
        node,
        new LProp("phandle", bytes, [{ kind: "type_u32", offset: 0, ref: undefined }], null),
      );
    }
    return ph;
  }
}

/**
 * Whether dtc's walks from `root` reach `n`: every node strictly below the root on the way is
 * not deleted; the root itself counts only when not deleted.
 */
function isReachable(n: LNode, root: LNode): boolean {
  if (n === root) return !n.deleted;
  return reachableFrom(n, root);
}

/** The first node in pre-order (non-deleted children) satisfying `pred`. */
function preorderFirst(root: LNode, pred: (n: LNode) => boolean): LNode | undefined {
  const stack: LNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (pred(n)) return n;
    for (let i = n.children.length - 1; i >= 0; i--) {
      const c = n.children[i];
      if (!c.deleted) stack.push(c);
    }
  }
  return undefined;
}

/**
 * Bumped by every change that can alter what a label lookup finds (labels added, deleted or
 * revived; nodes attached, deleted or revived), so {@link LabelIndex} can cache its answers.
 */
let generation = 0;

/** dtc `add_label`: revive an existing (maybe deleted) label or prepend a new one. */
export function addLabel(holder: { llabels: LLabel[] }, name: string): void {
  generation++;
  const labels = holder.llabels;
  for (const l of labels) {
    if (l.name === name) {
      l.deleted = false;
      return;
    }
  }
  if (labels === NO_LABELS) holder.llabels = [{ name, deleted: false }];
  else labels.unshift({ name, deleted: false });
}

/** dtc `delete_labels`. */
function deleteLabels(labels: LLabel[]): void {
  if (labels.length) generation++;
  for (const l of labels) l.deleted = true;
}

/** The names of the non-deleted labels, in list order. */
export function liveLabels(labels: LLabel[]): string[] {
  const out: string[] = [];
  for (const l of labels) if (!l.deleted) out.push(l.name);
  return out;
}

/** dtc `get_property`: the first non-deleted property with that name. */
export function getProperty(node: LNode, name: string): LProp | undefined {
  for (const p of node.props) if (!p.deleted && p.name === name) return p;
  return undefined;
}

/** dtc `get_subnode`: the first non-deleted child with that name. */
export function getSubnode(node: LNode, name: string): LNode | undefined {
  for (const c of node.children) if (!c.deleted && c.name === name) return c;
  return undefined;
}

/** dtc `add_property`: append. */
export function addProperty(node: LNode, prop: LProp): void {
  node.props.push(prop);
}

/** dtc `add_child`: append and set the parent. */
export function addChild(parent: LNode, child: LNode): void {
  generation++;
  child.parent = parent;
  parent.children.push(child);
}

/** dtc `delete_property`. */
export function deleteProperty(prop: LProp): void {
  prop.deleted = true;
  deleteLabels(prop.llabels);
}

/** dtc `delete_property_by_name`: the first property with that name, deleted or not. */
function deletePropertyByName(node: LNode, name: string): void {
  for (const p of node.props) {
    if (p.name === name) {
      deleteProperty(p);
      return;
    }
  }
}

/** dtc `delete_node`: the node, its live children and properties, and its labels. */
export function deleteNode(node: LNode): void {
  generation++;
  node.deleted = true;
  for (const c of node.children) if (!c.deleted) deleteNode(c);
  for (const p of node.props) if (!p.deleted) deleteProperty(p);
  deleteLabels(node.llabels);
}

/** dtc `delete_node_by_name`: the first child with that name, deleted or not. */
function deleteNodeByName(parent: LNode, name: string): void {
  for (const c of parent.children) {
    if (c.name === name) {
      deleteNode(c);
      return;
    }
  }
}

/**
 * dtc `merge_nodes`: revive `old`, add `nw`'s labels, replace same-named properties in place
 * (reviving them), append new ones, apply `/delete-property/` and `/delete-node/` entries, merge
 * same-named children recursively and append new ones; `nw`'s source spans are chained.
 */
export function mergeNodes(old: LNode, nw: LNode, index?: LabelIndex): LNode {
  if (old.deleted) generation++;
  old.deleted = false;
  for (const l of nw.llabels) {
    addLabel(old, l.name);
    index?.add(l.name, old);
  }
  for (const np of nw.props) {
    if (np.deleted) {
      deletePropertyByName(old, np.name);
      continue;
    }
    let merged = false;
    for (const op of old.props) {
      if (op.name === np.name) {
        for (const l of np.llabels) addLabel(op, l.name);
        op.value = np.value;
        op.markers = np.markers;
        op.deleted = false;
        op.srcpos = np.srcpos;
        merged = true;
        break;
      }
    }
    if (!merged) addProperty(old, np);
  }
  for (const nc of nw.children) {
    nc.parent = null;
    if (nc.deleted) {
      deleteNodeByName(old, nc.name);
      continue;
    }
    let merged = false;
    for (const oc of old.children) {
      if (oc.name === nc.name) {
        mergeNodes(oc, nc, index);
        merged = true;
        break;
      }
    }
    if (!merged) addChild(old, nc);
  }
  for (const p of nw.srcpos) old.srcpos.push(p);
  return old;
}

/**
 * Where labels live, so `get_node_by_label` does not walk the whole tree for every reference.
 * Candidates are validated (label live, node reachable); ties fall back to dtc's pre-order walk.
 */
export class LabelIndex {
  private map = new Map<string, LNode | LNode[]>();
  // Answers for labels with several candidates, valid while `generation` stays the same.
  private cache = new Map<string, { gen: number; root: LNode; node: LNode | undefined }>();

  /** Note that `node` carries (or carried) label `name`. */
  add(name: string, node: LNode): void {
    generation++;
    const e = this.map.get(name);
    if (e === undefined) this.map.set(name, node);
    else if (Array.isArray(e)) {
      if (!e.includes(node)) e.push(node);
    } else if (e !== node) this.map.set(name, [e, node]);
  }

  /** Index every label in the subtree under `node`. */
  addTree(node: LNode): void {
    for (const l of node.llabels) this.add(l.name, node);
    for (const c of node.children) this.addTree(c);
  }

  /** dtc `get_node_by_label` on `root`. */
  lookup(root: LNode, name: string): LNode | undefined {
    const e = this.map.get(name);
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) {
      return hasLiveLabel(e, name) && reachableFrom(e, root) ? e : undefined;
    }
    const c = this.cache.get(name);
    if (c && c.gen === generation && c.root === root) return c.node;
    const list = e;
    let found: LNode | undefined;
    let count = 0;
    for (const n of list) {
      if (hasLiveLabel(n, name) && reachableFrom(n, root)) {
        count++;
        if (!found) found = n;
      }
    }
    if (count > 1) found = preorderFirst(root, (n) => hasLiveLabel(n, name));
    this.cache.set(name, { gen: generation, root, node: found });
    return found;
  }
}

function hasLiveLabel(n: LNode, name: string): boolean {
  for (const l of n.llabels) if (!l.deleted && l.name === name) return true;
  return false;
}

/** Reachable from `root` via non-deleted children (the root itself may be deleted-flag free). */
function reachableFrom(n: LNode, root: LNode): boolean {
  let cur: LNode | null = n;
  while (cur && cur !== root) {
    if (cur.deleted) return false;
    cur = cur.parent;
  }
  return cur === root;
}

/** dtc `get_node_by_path` (exact names, non-deleted children). */
export function getNodeByPath(tree: LNode, path: string): LNode | undefined {
  let node = tree;
  let rest = path;
  for (;;) {
    if (rest === "") return node.deleted ? undefined : node;
    let i = 0;
    while (i < rest.length && rest.charCodeAt(i) === 0x2f) i++;
    rest = rest.slice(i);
    const slash = rest.indexOf("/");
    const part = slash < 0 ? rest : rest.slice(0, slash);
    let next: LNode | undefined;
    for (const c of node.children) {
      if (!c.deleted && c.name === part) {
        next = c;
        break;
      }
    }
    if (!next) return undefined;
    if (slash < 0) return next;
    node = next;
    rest = rest.slice(slash + 1);
  }
}

/**
 * dtc `get_node_by_ref`: `/` is the root, `/path` a path, anything else a label; a label
 * followed by `/sub/path` (label-relative, dtc ≥ 1.7.0) resolves the path under the label's node.
 */
export function getNodeByRef(tree: LNode, ref: string, index: LabelIndex): LNode | undefined {
  if (ref === "/") return tree;
  if (ref.charCodeAt(0) === 0x2f) return getNodeByPath(tree, ref);
  const slash = ref.indexOf("/");
  if (slash < 0) return index.lookup(tree, ref);
  const target = index.lookup(tree, ref.slice(0, slash));
  if (!target) return undefined;
  return getNodeByPath(target, ref.slice(slash + 1));
}

/** dtc `join_path`. */
function joinPath(path: string, name: string): string {
  return path.length > 0 && path.charCodeAt(path.length - 1) === 0x2f
    ? path + name
    : path + "/" + name;
}

/** dtc `fill_fullpaths`: full paths and base-name lengths of every reachable node. */
export function fillFullpaths(tree: LNode, prefix = ""): void {
  tree.fullpath = joinPath(prefix, tree.name);
  const at = tree.name.indexOf("@");
  tree.basenamelen = at < 0 ? tree.name.length : at;
  for (const c of tree.children) if (!c.deleted) fillFullpaths(c, tree.fullpath);
}

/** dtc `guess_boot_cpuid`: `reg` of the first child of `/cpus` when it is one cell. */
export function guessBootCpuid(tree: LNode): number {
  const cpus = getNodeByPath(tree, "/cpus");
  if (!cpus || cpus.children.length === 0) return 0;
  const reg = getProperty(cpus.children[0], "reg");
  if (!reg || reg.value.length !== 4) return 0;
  return readU32(reg.value, 0);
}

/** Big-endian u32 at `off`. */
export function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Store a big-endian u32 at `off`. */
export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** Latin-1 bytes of `s` followed by NUL. */
function cstring(s: string): Uint8Array {
  const out = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/**
 * dtc `add_orphan_node` (plugins): wrap `node` as `fragment@N/__overlay__` under `root`, targeted
 * by `target-path = "/path"` or by `target = <&label>`.
 */
export function addOrphanNode(root: LNode, node: LNode, ref: string, fragmentNo: number): void {
  let p: LProp;
  if (ref.charCodeAt(0) === 0x2f) {
    p = new LProp("target-path", cstring(ref), [{ kind: "type_string", offset: 0, ref }], null);
  } else {
    p = new LProp(
      "target",
      new Uint8Array([0xff, 0xff, 0xff, 0xff]),
      [{ kind: "ref_phandle", offset: 0, ref }],
      null,
    );
  }
  node.name = "__overlay__";
  const frag = new LNode(`fragment@${fragmentNo}`);
  frag.props.push(p);
  addChild(frag, node);
  addChild(root, frag);
}

/** dtc `data_insert_at_marker`: insert bytes at marker `mi`, shifting later markers. */
export function insertAtMarker(prop: LProp, mi: number, bytes: Uint8Array): void {
  const m = prop.markers[mi];
  const old = prop.value;
  const nv = new Uint8Array(old.length + bytes.length);
  nv.set(old.subarray(0, m.offset), 0);
  nv.set(bytes, m.offset);
  nv.set(old.subarray(m.offset), m.offset + bytes.length);
  prop.value = nv;
  for (let i = mi + 1; i < prop.markers.length; i++) prop.markers[i].offset += bytes.length;
}

/** dtc `append_to_property`: append data (with a type marker) to a property, creating it. */
function appendToProperty(
  node: LNode,
  name: string,
  data: Uint8Array,
  kind: MarkerKind,
): void {
  const p = getProperty(node, name);
  if (p) {
    const nv = new Uint8Array(p.value.length + data.length);
    nv.set(p.value, 0);
    nv.set(data, p.value.length);
    p.markers.push({ kind, offset: p.value.length, ref: name });
    p.value = nv;
  } else {
    addProperty(node, new LProp(name, data.slice(), [{ kind, offset: 0, ref: name }], null));
  }
}

/** dtc `build_root_node`: the existing live child of the root or a new one. */
function buildRootNode(root: LNode, name: string): LNode {
  let an = getSubnode(root, name);
  if (!an) {
    an = new LNode(name);
    addChild(root, an);
  }
  return an;
}

/** dtc `any_label_tree`: a reachable node whose label list is not empty. */
function anyLabelTree(node: LNode): boolean {
  if (node.llabels.length) return true;
  for (const c of node.children) if (!c.deleted && anyLabelTree(c)) return true;
  return false;
}

/** dtc `data_copy_escape_string` applied to a path (backslash escapes are interpreted). */
function escapedCString(s: string): Uint8Array {
  if (s.indexOf("\\") < 0) return cstring(s);
  return cstring(decodeEscapes(s));
}

/**
 * dtc `generate_label_tree`: `/__symbols__` (or `/aliases` for `-A`) with one path string per
 * live label; with `allocPhandles` every labelled node gets a phandle (`-@`).
 */
export function generateLabelTree(dt: LiveTree, name: string, allocPhandles: boolean): string[] {
  const notes: string[] = [];
  if (!anyLabelTree(dt.root)) return notes;
  const an = buildRootNode(dt.root, name);
  const walk = (node: LNode): void => {
    if (node.llabels.length) {
      for (const l of node.llabels) {
        if (l.deleted) continue;
        if (getProperty(an, l.name)) {
          // dtc prints this without a newline.
          notes.push(`WARNING: label ${l.name} already exists in /${an.name}`);
          continue;
        }
        addProperty(
          an,
          new LProp(
            l.name,
            escapedCString(node.fullpath ?? ""),
            [{ kind: "type_string", offset: 0, ref: undefined }],
            null,
          ),
        );
      }
      if (allocPhandles) dt.nodePhandle(node);
    }
    for (const c of node.children) if (!c.deleted) walk(c);
  };
  walk(dt.root);
  return notes;
}

/** dtc `generate_fixups_tree` (`/__fixups__`: unresolved phandle references of a plugin). */
export function generateFixupsTree(dt: LiveTree, index: LabelIndex, name: string): void {
  const unresolved: Array<[LNode, LProp, LMarker]> = [];
  const walk = (node: LNode): void => {
    for (const p of node.props) {
      if (p.deleted) continue;
      for (const m of p.markers) {
        if (m.kind === "ref_phandle" && !getNodeByRef(dt.root, m.ref!, index)) {
          unresolved.push([node, p, m]);
        }
      }
    }
    for (const c of node.children) if (!c.deleted) walk(c);
  };
  walk(dt.root);
  if (unresolved.length === 0) return;
  const fn = buildRootNode(dt.root, name);
  // dtc walks the tree again after creating the node; the new node has no references.
  for (const [node, p, m] of unresolved) {
    const path = node.fullpath ?? "";
    if (path.includes(":") || p.name.includes(":")) {
      throw new FixupError("Arguments should not contain ':'");
    }
    appendToProperty(fn, m.ref!, cstring(`${path}:${p.name}:${m.offset}`), "type_string");
  }
}

/** Raised by the fixup generators for inputs dtc dies on. */
export class FixupError extends Error {}

/** dtc `generate_local_fixups_tree` (`/__local_fixups__`: resolved references of a plugin). */
export function generateLocalFixupsTree(dt: LiveTree, index: LabelIndex, name: string): void {
  const resolved: Array<[LNode, LProp, LMarker]> = [];
  const walk = (node: LNode): void => {
    for (const p of node.props) {
      if (p.deleted) continue;
      for (const m of p.markers) {
        if (m.kind === "ref_phandle" && getNodeByRef(dt.root, m.ref!, index)) {
          resolved.push([node, p, m]);
        }
      }
    }
    for (const c of node.children) if (!c.deleted) walk(c);
  };
  walk(dt.root);
  if (resolved.length === 0) return;
  const lfn = buildRootNode(dt.root, name);
  for (const [node, p, m] of resolved) {
    const comps: string[] = [];
    for (let wn: LNode | null = node; wn && wn.parent; wn = wn.parent) comps.push(wn.name);
    let wn = lfn;
    for (let i = comps.length - 1; i >= 0; i--) {
      let nwn = getSubnode(wn, comps[i]);
      if (!nwn) {
        nwn = new LNode(comps[i]);
        addChild(wn, nwn);
      }
      wn = nwn;
    }
    const v = new Uint8Array(4);
    writeU32(v, 0, m.offset);
    appendToProperty(wn, p.name, v, "type_u32");
  }
}

/** dtc `sort_tree` (`-s`): reserve entries by address/size, properties and children by name. */
export function sortTree(dt: LiveTree): void {
  dt.reserves.sort((a, b) =>
    a.address < b.address
      ? -1
      : a.address > b.address
      ? 1
      : a.size < b.size
      ? -1
      : a.size > b.size
      ? 1
      : 0
  );
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sortNode = (n: LNode): void => {
    n.props.sort((a, b) => cmp(a.name, b.name));
    n.children.sort((a, b) => cmp(a.name, b.name));
    for (const c of n.children) sortNode(c);
  };
  sortNode(dt.root);
  generation++; // pre-order changed
}

/** Decode dtc string escapes (util.c `get_escape_char`) in `s`, byte-wise. */
export function decodeEscapes(s: string): string {
  return decodeEscapesChecked(s) ?? s;
}

/** Like {@link decodeEscapes}, but null for a `\x` without hex digits (dtc dies on it). */
export function decodeEscapesChecked(s: string): string | null {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i++);
    if (c !== 0x5c) {
      out += String.fromCharCode(c);
      continue;
    }
    const r = escapeChar(s, i, s.length);
    if (r.badHex) return null;
    out += String.fromCharCode(r.value);
    i = r.next;
  }
  return out;
}

/** The result of decoding one escape. */
export interface EscapeResult {
  /** Byte value. */
  value: number;
  /** Index after the escape. */
  next: number;
  /** A `\x` with no hex digits (dtc dies). */
  badHex?: boolean;
}

/**
 * dtc `get_escape_char` for the escape whose letter is at `s[i]` (after the backslash). `end` is
 * where the literal's content ends; dtc's digit scans may look past it at the closing quote,
 * which never is a digit, so the result is the same.
 */
export function escapeChar(s: string, i: number, end: number): EscapeResult {
  const c = i < s.length ? s.charCodeAt(i) : 0;
  switch (c) {
    case 0x61: // a
      return { value: 7, next: i + 1 };
    case 0x62: // b
      return { value: 8, next: i + 1 };
    case 0x74: // t
      return { value: 9, next: i + 1 };
    case 0x6e: // n
      return { value: 10, next: i + 1 };
    case 0x76: // v
      return { value: 11, next: i + 1 };
    case 0x66: // f
      return { value: 12, next: i + 1 };
    case 0x72: // r
      return { value: 13, next: i + 1 };
    case 0x78: { // x: strtol(x, 16) over at most two characters
      const win = s.slice(i + 1, Math.min(i + 3, s.length));
      const r = strtolWindow(win, 16);
      if (r.used === 0) return { value: 0, next: i + 1, badHex: true };
      return { value: r.value & 0xff, next: i + 1 + r.used };
    }
    default:
      if (c >= 0x30 && c <= 0x37) {
        // Octal: strtol over at most three characters starting at the first digit.
        let v = 0;
        let j = i;
        while (j < i + 3 && j < s.length) {
          const d = s.charCodeAt(j);
          if (d < 0x30 || d > 0x37) break;
          v = v * 8 + (d - 0x30);
          j++;
        }
        return { value: v & 0xff, next: j };
      }
      void end;
      return { value: c, next: i + 1 };
  }
}

/** C `strtol` over a short window: returns the value and the characters consumed (0 = none). */
function strtolWindow(win: string, base: number): { value: number; used: number } {
  let i = 0;
  while (i < win.length && " \t\n\v\f\r".includes(win[i])) i++;
  let neg = false;
  if (i < win.length && (win[i] === "+" || win[i] === "-")) {
    neg = win[i] === "-";
    i++;
  }
  if (
    base === 16 && i + 1 < win.length && win[i] === "0" &&
    (win[i + 1] === "x" || win[i + 1] === "X") &&
    i + 2 < win.length && isDigitIn(win.charCodeAt(i + 2), 16)
  ) {
    i += 2;
  }
  const start = i;
  let v = 0;
  while (i < win.length && isDigitIn(win.charCodeAt(i), base)) {
    v = v * base + digitVal(win.charCodeAt(i));
    i++;
  }
  if (i === start) return { value: 0, used: 0 };
  return { value: neg ? -v : v, used: i };
}

function digitVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 99;
}

function isDigitIn(c: number, base: number): boolean {
  return digitVal(c) < base;
}

/**
 * Turn the live tree into the public model in place: deleted properties and nodes are dropped,
 * labels become the live names in dtc order, positions the first definition.
 */
export function toDeviceTree(dt: LiveTree): DeviceTree {
  const fix = (n: LNode): void => {
    if (n.llabels.length) n.labels = liveLabels(n.llabels);
    let props = n.props;
    for (const p of props) {
      if (p.deleted) {
        props = props.filter((q) => !q.deleted);
        n.props = props;
        break;
      }
    }
    for (const p of props) {
      if (p.llabels.length) p.labels = liveLabels(p.llabels);
    }
    let kids = n.children;
    for (const c of kids) {
      if (c.deleted) {
        kids = kids.filter((q) => !q.deleted);
        n.children = kids;
        break;
      }
    }
    for (const c of kids) fix(c);
  };
  fix(dt.root);
  const tree = new DeviceTree(dt.root);
  tree.reserves = dt.reserves.map((r): ReserveEntry => ({
    address: r.address,
    size: r.size,
    labels: liveLabels(r.labels),
  }));
  tree.bootCpuidPhys = dt.bootCpuidPhys;
  tree.plugin = dt.plugin;
  return tree;
}

/** Build a live tree from a public one (DTB input before checks, or a tree built in code). */
export function fromDeviceTree(tree: DeviceTree): LiveTree {
  const conv = (n: Node): LNode => {
    const out = new LNode(n.name);
    if (n.labels.length) out.llabels = n.labels.map((name) => ({ name, deleted: false }));
    out.omitIfNoRef = n.omitIfNoRef;
    for (const p of n.props) {
      if (p.deleted) continue;
      const q = new LProp(p.name, p.value, p.markers.map((m) => ({ ...m })), null);
      if (p.labels.length) q.llabels = p.labels.map((name) => ({ name, deleted: false }));
      out.props.push(q);
    }
    for (const c of n.children) if (!c.deleted) addChild(out, conv(c));
    return out;
  };
  return new LiveTree(
    conv(tree.root),
    tree.reserves.map((r) => ({
      address: r.address,
      size: r.size,
      labels: r.labels.map((name) => ({ name, deleted: false })),
    })),
    tree.plugin,
    tree.bootCpuidPhys,
  );
}
