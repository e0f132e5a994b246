/**
 * dtc 1.6.1's checks (`checks.c`) over the live tree: the same table, order, prerequisites,
 * default levels (ERROR / WARNING / off), `-W`/`-E`/`-Wno-` toggles, and the same messages in
 * the same format (`file:1.2-3.4: Warning (check_name): /path:prop: message`, with
 * `  also defined at ...` lines for merged nodes). The fix-up checks do their work here as in dtc:
 * phandles are allocated while `phandle_references` walks the tree, path references are
 * inserted, `/omit-if-no-ref/` nodes are deleted and redundant `name` properties removed.
 *
 * As in dtc, the first failing ERROR-level check stops the run (C's `error || run_check()`
 * short-circuit), and prerequisites that fail turn dependent checks into a
 * `Failed prerequisite` message.
 *
 * Where dtc reads a cell without checking the length (and would hit an assertion or read past
 * the value), these checks read the bytes that exist and treat missing ones as 0.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import {
  deleteNode,
  getNodeByPath,
  getNodeByRef,
  getProperty,
  getSubnode,
  insertAtMarker,
  type LabelIndex,
  type LiveTree,
  type LMarker,
  type LNode,
  type LProp,
  readU32,
  srcposString,
  writeU32,
} from "./livetree.ts";

/** One message a check printed (dtc writes each to stderr). */
export interface CheckMessage {
  /** The check's name, e.g. `unit_address_vs_reg`. */
  check: string;
  /** `error` for ERROR-level checks, `warning` otherwise. */
  level: "error" | "warning";
  /** Where dtc points: `file:line.col-col`, or the output name when no position is known. */
  where: string;
  /** The node path (or "" when the message is not about a node). */
  path: string;
  /** The property name, when the message is about a property. */
  prop?: string;
  /** The message text as dtc words it. */
  message: string;
  /** The whole text dtc prints, without the final newline (may contain more lines). */
  text: string;
}

/** Check run options. */
export interface CheckOptions {
  /** The output file name dtc uses for positionless messages (`-` → `<stdout>`). */
  outName?: string;
  /** `-@` was given (keeps labelled `/omit-if-no-ref/` nodes). */
  symbols?: boolean;
  /** `-W`/`-E` options in order, e.g. `{ kind: "W", arg: "no-unit_address_vs_reg" }`. */
  toggles?: ReadonlyArray<{ kind: "W" | "E"; arg: string }>;
}

/** The outcome of running the checks. */
export interface CheckResult {
  /** Every message, in the order dtc prints them. */
  messages: CheckMessage[];
  /** Whether an ERROR-level check failed (dtc aborts with exit status 2). */
  failed: boolean;
}

type Status = "unchecked" | "prereq" | "passed" | "failed";

interface Ctx {
  dt: LiveTree;
  index: LabelIndex;
  out: string;
  symbols: boolean;
  messages: CheckMessage[];
  table: Check[];
  /** Live nodes in pre-order when the checks started (dtc's walk order). */
  order: LNode[];
  /** Nodes by live property name (pre-order). */
  byProp: Map<string, LNode[]>;
  /** Nodes by node name (pre-order). */
  byName: Map<string, LNode[]>;
  /** Candidate nodes of the selective checks (pre-order), by `\0` keys. */
  byKey: Map<string, LNode[]>;
}

interface Check {
  name: string;
  fn: ((c: Check, x: Ctx, node: LNode) => void) | null;
  data: unknown;
  /**
   * The check can only act on (or fail for) some nodes: those with a property (`p:name`), with a
   * node name (`n:name`), or a candidate list built up front (`\0key`, see buildIndexes).
   */
  sel?: string;
  /** What the check does to every node before visiting its candidates (the selective case). */
  prepare?: (x: Ctx) => void;
  warn: boolean;
  error: boolean;
  status: Status;
  inprogress: boolean;
  prereqs: Check[];
}

/** Thrown for a `-W`/`-E` argument that names no check (a command-line input error). */
export class UnknownCheckError extends InputError {
  /** Make the error for `message`. */
  constructor(message: string) {
    super("", message);
    this.name = "UnknownCheckError";
  }
}

const LOWERCASE = "abcdefghijklmnopqrstuvwxyz";
const UPPERCASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";
const NODECHARS = LOWERCASE + UPPERCASE + DIGITS + ",._+-@";
const PROPCHARS = LOWERCASE + UPPERCASE + DIGITS + ",._+*#?-";
const PROPNODECHARSSTRICT = LOWERCASE + UPPERCASE + DIGITS + ",-";

const charSets = new Map<string, Uint8Array>();
let lastSet = "";
let lastTab: Uint8Array = new Uint8Array(256);

/** `strspn(s, set)` (with a lookup table per set). */
function strspn(s: string, set: string): number {
  let tab = lastTab;
  if (set !== lastSet) {
    let t = charSets.get(set);
    if (!t) {
      t = new Uint8Array(256);
      for (let i = 0; i < set.length; i++) t[set.charCodeAt(i)] = 1;
      charSets.set(set, t);
    }
    lastSet = set;
    lastTab = tab = t;
  }
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c > 255 || !tab[c]) break;
    i++;
  }
  return i;
}

/** The C string at the start of a value (up to the first NUL); null for an empty value. */
function cstr(v: Uint8Array): string | null {
  if (v.length === 0) return null;
  let s = "";
  for (let i = 0; i < v.length && v[i] !== 0; i++) s += String.fromCharCode(v[i]);
  return s;
}

/** Cell `n` of a value, reading 0 for bytes past the end (dtc would read out of bounds). */
function cellAt(v: Uint8Array, n: number): number {
  const o = n * 4;
  if (o + 4 <= v.length) return readU32(v, o);
  let x = 0;
  for (let i = 0; i < 4; i++) x = (x << 8) | (o + i < v.length ? v[o + i] : 0);
  return x >>> 0;
}

/** dtc `propval_cell` (see module notes on short values). */
function propvalCell(p: LProp): number {
  return cellAt(p.value, 0);
}

/** `(int)` conversion of a cell, as dtc stores cells into `int` variables. */
function asInt(v: number): number {
  return v | 0;
}

function isMultipleOf(multiple: number, divisor: number): boolean {
  return divisor === 0 ? multiple === 0 : multiple % divisor === 0;
}

/** dtc `data_is_one_string`. */
function isOneString(v: Uint8Array): boolean {
  const len = v.length;
  if (len === 0) return false;
  for (let i = 0; i < len - 1; i++) if (v[i] === 0) return false;
  return v[len - 1] === 0;
}

function unitName(node: LNode): string {
  return node.basenamelen < node.name.length ? node.name.slice(node.basenamelen + 1) : "";
}

function baseIs(node: LNode, s: string): boolean {
  return node.basenamelen === s.length && node.name.startsWith(s);
}

function nodeAddrCells(n: LNode): number {
  return n.addrCells === -1 ? 2 : n.addrCells;
}

function nodeSizeCells(n: LNode): number {
  return n.sizeCells === -1 ? 1 : n.sizeCells;
}

function liveChildren(n: LNode): LNode[] {
  return n.children.filter((c) => !c.deleted);
}

function liveProps(n: LNode): LProp[] {
  return n.props.filter((p) => !p.deleted);
}

function fullpath(n: LNode): string {
  return n.fullpath ?? "(null)";
}

function hex(v: number): string {
  return (v >>> 0).toString(16);
}

/** dtc `check_msg`. */
function checkMsg(c: Check, x: Ctx, node: LNode | null, prop: LProp | null, msg: string): void {
  if (!c.warn && !c.error) return;
  let pos = prop && prop.srcpos ? prop.srcpos : null;
  if (!pos && node && node.srcpos.length) pos = node.srcpos[0];
  let str = pos ? srcposString(pos) : x.out === "-" ? "<stdout>" : x.out;
  const where = str;
  str += `: ${c.error ? "ERROR" : "Warning"} (${c.name}): `;
  if (node) {
    str += prop ? `${fullpath(node)}:${prop.name}: ` : `${fullpath(node)}: `;
  }
  str += msg;
  if (!prop && pos && node) {
    for (let i = 1; i < node.srcpos.length; i++) {
      str += `\n  also defined at ${srcposString(node.srcpos[i])}`;
    }
  }
  x.messages.push({
    check: c.name,
    level: c.error ? "error" : "warning",
    where,
    path: node ? fullpath(node) : "",
    prop: prop?.name,
    message: msg,
    text: str,
  });
}

function fail(c: Check, x: Ctx, node: LNode | null, msg: string): void {
  c.status = "failed";
  checkMsg(c, x, node, null, msg);
}

function failProp(
  c: Check,
  x: Ctx,
  node: LNode,
  prop: LProp | null | undefined,
  msg: string,
): void {
  c.status = "failed";
  checkMsg(c, x, node, prop ?? null, msg);
}

/**
 * dtc `check_nodes_props`: the check on every live node in pre-order. Nodes a check deletes
 * (with their subtrees) are skipped from then on, as dtc's recursion skips them. A check with a
 * selector visits only the nodes it can act on, still in pre-order, so messages and side effects
 * (phandle numbers) come out as dtc's full walk makes them.
 */
function checkNodesProps(c: Check, x: Ctx): void {
  const fn = c.fn;
  if (!fn) return;
  let list = x.order;
  const sel = c.sel;
  if (c.prepare) c.prepare(x);
  if (sel) {
    const k = sel.charCodeAt(0);
    const m = k === 0x70 ? x.byProp : k === 0x6e ? x.byName : x.byKey;
    list = m.get(k === 0 ? sel : sel.slice(2)) ?? EMPTY_NODES;
  }
  for (const n of list) if (!n.deleted) fn(c, x, n);
}

const EMPTY_NODES: LNode[] = [];

function push(m: Map<string, LNode[]>, k: string, n: LNode): void {
  const l = m.get(k);
  if (!l) m.set(k, [n]);
  else if (l[l.length - 1] !== n) l.push(n);
}

/** Node and property name tables for the name checks. */
const NODE_TAB = charTable(NODECHARS);
const PROP_TAB = charTable(PROPCHARS);

function charTable(set: string): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < set.length; i++) t[set.charCodeAt(i)] = 1;
  return t;
}

function allIn(s: string, tab: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || !tab[c]) return false;
  }
  return true;
}

// Per-node facts gathered before the checks (LNode.ckFlags).
const F_GPIO = 1 << 0;
const F_NAMES = 1 << 1;
const F_REFPH = 1 << 2;
const F_REFPATH = 1 << 3;
const F_LABELS = 1 << 4;
const F_PHANDLES = 1 << 5;
const F_CELLS = 1 << 6;
const F_REGRANGES = 1 << 7;
const F_INTPROV = 1 << 8;
const F_BADPROP = 1 << 9;
const F_DUPPROP = 1 << 10;
const F_ANYNAME = 1 << 11;
const F_DEVTYPE = 1 << 12;
const F_COMPAT = 1 << 13;
const F_SPIPROP = 1 << 14;
const F_ENDPOINTISH = 1 << 15;
const F_HASREG = 1 << 16;
const F_RANGES_NONEMPTY = 1 << 17;

/** Property names whose nodes the `p:` selectors list. */
const SELECTED_PROPS = new Set([
  "name",
  "#address-cells",
  "#size-cells",
  "device_type",
  "model",
  "status",
  "label",
  "compatible",
  "reg",
  "ranges",
  "dma-ranges",
  "interrupts",
  "#clock-cells",
  "#cooling-cells",
  "#dma-cells",
  "#hwlock-cells",
  "#interrupt-cells",
  "#io-channel-cells",
  "#iommu-cells",
  "#mbox-cells",
  "#msi-cells",
  "#mux-control-cells",
  "#phy-cells",
  "#power-domain-cells",
  "#pwm-cells",
  "#reset-cells",
  "#sound-dai-cells",
  "#thermal-sensor-cells",
  "clocks",
  "cooling-device",
  "dmas",
  "hwlocks",
  "interrupts-extended",
  "io-channels",
  "iommus",
  "mboxes",
  "msi-parent",
  "mux-controls",
  "phys",
  "power-domains",
  "pwms",
  "resets",
  "sound-dai",
  "thermal-sensors",
]);

/** Node names the `n:` selectors list. */
const SELECTED_NAMES = new Set(["aliases", "chosen"]);

function baseIs3(n: LNode, s: string): boolean {
  return n.basenamelen === s.length && n.name.startsWith(s);
}

function isI2cName(n: LNode): boolean {
  return baseIs3(n, "i2c") || baseIs3(n, "i2c-bus") || baseIs3(n, "i2c-arb");
}

const NB_SELECTED = 1 << 29;
const NB_RANGES = 1 << 28;
const nameBitsCache = new Map<string, number>();

/** The node flags a live property named `name` implies (with NB_*), cached per name. */
function nameBits(name: string): number {
  let b = nameBitsCache.get(name);
  if (b !== undefined) return b;
  b = 0;
  if (SELECTED_PROPS.has(name)) b |= NB_SELECTED;
  if (name.includes("gpio") && gpioPropName(name)) b |= F_GPIO;
  if (name.endsWith("-names")) b |= F_NAMES;
  if (!allIn(name, PROP_TAB)) b |= F_BADPROP;
  switch (name) {
    case "phandle":
    case "linux,phandle":
      b |= F_PHANDLES;
      break;
    case "#address-cells":
    case "#size-cells":
      b |= F_CELLS;
      break;
    case "reg":
      b |= F_REGRANGES | F_HASREG;
      break;
    case "ranges":
      b |= F_REGRANGES | NB_RANGES;
      break;
    case "interrupt-controller":
    case "interrupt-map":
      b |= F_INTPROV;
      break;
    case "device_type":
      b |= F_DEVTYPE;
      break;
    case "compatible":
      b |= F_COMPAT;
      break;
    case "remote-endpoint":
      b |= F_ENDPOINTISH;
      break;
  }
  if (name.startsWith("spi-")) b |= F_SPIPROP;
  if (nameBitsCache.size < 8192) nameBitsCache.set(name, b);
  return b;
}

/**
 * Before the checks: per-node facts in one pass, then the candidate lists of the selective
 * checks in pre-order. Everything used is fixed for the whole run (names, which properties
 * exist); the checks re-read the details themselves.
 */
function buildIndexes(x: Ctx): void {
  const byProp = x.byProp;
  const byName = x.byName;
  const byKey = x.byKey;
  const order = x.order;
  for (const n of order) {
    const props = n.props;
    let f = 0;
    let live = 0;
    for (let i = 0; i < props.length; i++) {
      const p = props[i];
      const name = p.name;
      if (name === "name") f |= F_ANYNAME;
      if (p.deleted) continue;
      live++;
      const b = nameBits(name);
      if (b & NB_SELECTED) push(byProp, name, n);
      if ((b & NB_RANGES) && p.length) f |= F_RANGES_NONEMPTY;
      f |= b & ~(NB_SELECTED | NB_RANGES);
      const ll = p.llabels;
      for (let j = 0; j < ll.length; j++) if (!ll[j].deleted) f |= F_LABELS;
      const ms = p.peekMarkers();
      for (let j = 0; j < ms.length; j++) {
        const k = ms[j].kind;
        if (k === "ref_phandle") f |= F_REFPH;
        else if (k === "ref_path") f |= F_REFPATH;
        else if (k === "label") f |= F_LABELS;
      }
    }
    if (live > 1 && hasDupNames(props, true)) f |= F_DUPPROP;
    for (const l of n.llabels) if (!l.deleted) f |= F_LABELS;
    if (baseIs3(n, "endpoint")) f |= F_ENDPOINTISH;
    n.ckFlags = f;
    if (SELECTED_NAMES.has(n.name)) push(byName, n.name, n);
  }
  const spiNodes = new Set<LNode>();
  const graphParents = new Set<LNode>();
  for (const n of order) {
    const f = n.ckFlags;
    if (f & F_GPIO) push(byKey, "\0gpios", n);
    if (f & F_NAMES) push(byKey, "\0-names", n);
    if (f & F_REFPH) push(byKey, "\0refph", n);
    if (f & F_REFPATH) push(byKey, "\0refpath", n);
    if (f & F_LABELS) push(byKey, "\0labels", n);
    if (f & F_PHANDLES) push(byKey, "\0phandles", n);
    if (f & F_CELLS) push(byKey, "\0cells", n);
    if (f & F_REGRANGES) push(byKey, "\0regranges", n);
    if (f & F_INTPROV) push(byKey, "\0intprov", n);
    if (f & F_BADPROP) push(byKey, "\0badpropname", n);
    if (f & F_DUPPROP) push(byKey, "\0dupprop", n);
    if (f & F_ANYNAME) push(byKey, "\0anyname", n);
    if (n.omitIfNoRef) push(byKey, "\0omit", n);
    const parent = n.parent;
    if (!parent) push(byKey, "\0root", n);
    const name = n.name;
    if (!allIn(name, NODE_TAB)) push(byKey, "\0badnodename", n);
    const bl = n.basenamelen;
    const hasUnit = bl < name.length;
    if (hasUnit && name.indexOf("@", bl + 1) >= 0) push(byKey, "\0multiat", n);
    if (hasUnit && name.charCodeAt(bl + 1) === 0x30) push(byKey, "\0uaf", n);
    if ((hasUnit && bl + 1 < name.length) !== ((f & (F_HASREG | F_RANGES_NONEMPTY)) !== 0)) {
      push(byKey, "\0uavr", n);
    }
    if (isI2cName(n)) push(byKey, "\0i2c", n);
    const kids = n.children;
    if (kids.length > 1 && hasDupNames(kids, false)) push(byKey, "\0dupnode", n);
    let spi = baseIs3(n, "spi");
    let graphParent = false;
    for (const k of kids) {
      if (k.deleted) continue;
      if (k.ckFlags & F_SPIPROP) spi = true;
      if (k.ckFlags & F_ENDPOINTISH) graphParent = true;
    }
    if (spi) {
      push(byKey, "\0spi", n);
      spiNodes.add(n);
    }
    if (graphParent) {
      push(byKey, "\0graphparent", n);
      graphParents.add(n);
    }
    if (parent) {
      if (getProperty(parent, name)) push(byKey, "\0namevsprop", n);
      if (isI2cName(parent)) push(byKey, "\0i2cchild", n);
      if (parent.ckFlags & F_DEVTYPE) push(byKey, "\0pcichild", n);
      if (parent.ckFlags & F_COMPAT) push(byKey, "\0compatchild", n);
    }
  }
  // Third pass: candidates that depend on the lists above, still in pre-order.
  for (const n of order) {
    if (n.parent && spiNodes.has(n.parent)) push(byKey, "\0spichild", n);
    let graph = graphParents.has(n);
    if (!graph) { for (const k of n.children) if (!k.deleted && graphParents.has(k)) graph = true; }
    if (graph) push(byKey, "\0graphcand", n);
    if (n.parent && graphParents.has(n.parent)) push(byKey, "\0graphchild", n);
  }
}

/** Whether two items of a list share a name (properties: live ones only). */
function hasDupNames(
  items: ReadonlyArray<{ name: string; deleted: boolean }>,
  liveOnly: boolean,
): boolean {
  const n = items.length;
  if (n <= 12) {
    for (let i = 0; i < n; i++) {
      if (liveOnly && items[i].deleted) continue;
      const a = items[i].name;
      for (let j = i + 1; j < n; j++) {
        if (liveOnly && items[j].deleted) continue;
        if (items[j].name === a) return true;
      }
    }
    return false;
  }
  const seen = new Set<string>();
  let count = 0;
  for (const it of items) {
    if (liveOnly && it.deleted) continue;
    seen.add(it.name);
    count++;
  }
  return seen.size < count;
}

function runCheck(c: Check, x: Ctx): boolean {
  let error = false;
  if (c.inprogress) throw new Error(`check ${c.name} re-entered`);
  if (c.status === "unchecked") {
    c.inprogress = true;
    for (const prq of c.prereqs) {
      error = error || runCheck(prq, x);
      if (prq.status !== "passed") {
        c.status = "prereq";
        checkMsg(c, x, null, null, `Failed prerequisite '${prq.name}'`);
      }
    }
    if (c.status === "unchecked") {
      checkNodesProps(c, x);
      if (c.status === "unchecked") c.status = "passed";
    }
  }
  c.inprogress = false;
  if (c.status !== "passed" && c.error) error = true;
  return error;
}

// ---- check functions ---------------------------------------------------------------------

function checkIsString(c: Check, x: Ctx, node: LNode): void {
  const prop = getProperty(node, c.data as string);
  if (!prop) return;
  if (!isOneString(prop.value)) failProp(c, x, node, prop, "property is not a string");
}

function checkIsStringList(c: Check, x: Ctx, node: LNode): void {
  const prop = getProperty(node, c.data as string);
  if (!prop) return;
  const v = prop.value;
  let i = 0;
  let rem = v.length;
  while (rem > 0) {
    let l = 0;
    while (l < rem && v[i + l] !== 0) l++;
    if (l === rem) {
      failProp(c, x, node, prop, "property is not a string list");
      break;
    }
    rem -= l + 1;
    i += l + 1;
  }
}

function checkIsCell(c: Check, x: Ctx, node: LNode): void {
  const prop = getProperty(node, c.data as string);
  if (!prop) return;
  if (prop.value.length !== 4) failProp(c, x, node, prop, "property is not a single cell");
}

function checkDuplicateNodeNames(c: Check, x: Ctx, node: LNode): void {
  const ch = node.children;
  if (ch.length < 2) return;
  if (ch.length > 8) {
    // Common case: no two children share a name.
    const seen = new Set<string>();
    for (const k of ch) seen.add(k.name);
    if (seen.size === ch.length) return;
  }
  let reports = 0;
  for (let i = 0; i < ch.length; i++) {
    if (ch[i].deleted) continue;
    for (let j = i + 1; j < ch.length; j++) {
      if (ch[i].name === ch[j].name) {
        fail(c, x, ch[j], "Duplicate node name");
        if (++reports === MAX_DUP_REPORTS) return;
      }
    }
  }
}

/**
 * dtc reports every duplicate pair (n²/2 lines for n same-named items); past this many in one
 * node dom0sim stops (the compile fails either way) rather than run out of memory.
 */
const MAX_DUP_REPORTS = 10000;

function checkDuplicatePropertyNames(c: Check, x: Ctx, node: LNode): void {
  const ps = node.props;
  if (ps.length < 2) return;
  if (ps.length > 8) {
    const seen = new Set<string>();
    for (const p of ps) seen.add(p.name);
    if (seen.size === ps.length) return;
  }
  let reports = 0;
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].deleted) continue;
    for (let j = i + 1; j < ps.length; j++) {
      if (ps[j].deleted) continue;
      if (ps[i].name === ps[j].name) {
        failProp(c, x, node, ps[i], "Duplicate property name");
        if (++reports === MAX_DUP_REPORTS) return;
      }
    }
  }
}

function checkNodeNameChars(c: Check, x: Ctx, node: LNode): void {
  const n = strspn(node.name, c.data as string);
  if (n < node.name.length) fail(c, x, node, `Bad character '${node.name[n]}' in node name`);
}

function checkNodeNameCharsStrict(c: Check, x: Ctx, node: LNode): void {
  const n = strspn(node.name, c.data as string);
  if (n < node.basenamelen) {
    fail(c, x, node, `Character '${node.name[n]}' not recommended in node name`);
  }
}

function checkNodeNameFormat(c: Check, x: Ctx, node: LNode): void {
  if (unitName(node).includes("@")) fail(c, x, node, "multiple '@' characters in node name");
}

function checkNodeNameVsPropertyName(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent) return;
  if (getProperty(node.parent, node.name)) fail(c, x, node, "node name and property name conflict");
}

function checkUnitAddressVsReg(c: Check, x: Ctx, node: LNode): void {
  const unit = unitName(node);
  let prop = getProperty(node, "reg");
  if (getSubnode(node, "__overlay__")) return;
  if (!prop) {
    prop = getProperty(node, "ranges");
    if (prop && prop.value.length === 0) prop = undefined;
  }
  if (prop) {
    if (!unit) fail(c, x, node, "node has a reg or ranges property, but no unit name");
  } else if (unit) {
    fail(c, x, node, "node has a unit name, but no reg or ranges property");
  }
}

function checkPropertyNameChars(c: Check, x: Ctx, node: LNode): void {
  for (const prop of node.props) {
    if (prop.deleted) continue;
    const n = strspn(prop.name, c.data as string);
    if (n < prop.name.length) {
      failProp(c, x, node, prop, `Bad character '${prop.name[n]}' in property name`);
    }
  }
}

function checkPropertyNameCharsStrict(c: Check, x: Ctx, node: LNode): void {
  for (const prop of liveProps(node)) {
    let name = prop.name;
    let n = strspn(name, c.data as string);
    if (n === name.length) continue;
    if (name === "device_type") continue;
    if (name[n] === "#" && (n === 0 || name[n - 1] === ",")) {
      name = name.slice(n + 1);
      n = strspn(name, c.data as string);
    }
    if (n < name.length) {
      failProp(c, x, node, prop, `Character '${name[n]}' not recommended in property name`);
    }
  }
}

interface LabelOwner {
  node: LNode;
  prop: LProp | null;
  mark: LMarker | null;
}

/** First owners of each label in dtc's lookup order (node labels, property labels, markers). */
interface LabelOwners {
  nodes: Map<string, LNode>;
  props: Map<string, [LNode, LProp]>;
  marks: Map<string, [LNode, LProp, LMarker]>;
}

/** The owners, from the nodes that carry labels (in pre-order, as dtc's walks find them). */
function collectLabelOwners(labelled: readonly LNode[]): LabelOwners {
  const o: LabelOwners = { nodes: new Map(), props: new Map(), marks: new Map() };
  for (const n of labelled) {
    for (const l of n.llabels) if (!l.deleted && !o.nodes.has(l.name)) o.nodes.set(l.name, n);
    for (const p of n.props) {
      if (p.deleted) continue;
      for (const l of p.llabels) {
        if (!l.deleted && !o.props.has(l.name)) o.props.set(l.name, [n, p]);
      }
      for (const m of p.peekMarkers()) {
        if (m.kind === "label" && !o.marks.has(m.ref!)) o.marks.set(m.ref!, [n, p, m]);
      }
    }
  }
  return o;
}

function descLabel(node: LNode, prop: LProp | null, mark: LMarker | null): string {
  return (mark ? "value of " : "") + (prop ? `'${prop.name}' in ` : "") + fullpath(node);
}

function checkDuplicateLabel(
  c: Check,
  x: Ctx,
  owners: LabelOwners,
  label: string,
  node: LNode,
  prop: LProp | null,
  mark: LMarker | null,
): void {
  let other: LabelOwner | null = null;
  const n = owners.nodes.get(label);
  if (n) other = { node: n, prop: null, mark: null };
  else {
    const p = owners.props.get(label);
    if (p) other = { node: p[0], prop: p[1], mark: null };
    else {
      const m = owners.marks.get(label);
      if (m) other = { node: m[0], prop: m[1], mark: m[2] };
    }
  }
  if (!other) return;
  if (other.node !== node || other.prop !== prop || other.mark !== mark) {
    fail(
      c,
      x,
      node,
      `Duplicate label '${label}' on ${descLabel(node, prop, mark)} and ${
        descLabel(other.node, other.prop, other.mark)
      }`,
    );
  }
}

function checkDuplicateLabelNode(c: Check, x: Ctx, node: LNode): void {
  const owners = c.data as LabelOwners;
  if (owners.nodes.size === 0 && owners.props.size === 0 && owners.marks.size === 0) return;
  for (const l of node.llabels) {
    if (!l.deleted) checkDuplicateLabel(c, x, owners, l.name, node, null, null);
  }
  for (const prop of liveProps(node)) {
    for (const l of prop.llabels) {
      if (!l.deleted) checkDuplicateLabel(c, x, owners, l.name, node, prop, null);
    }
    for (const m of prop.markers) {
      if (m.kind === "label") checkDuplicateLabel(c, x, owners, m.ref!, node, prop, m);
    }
  }
}

function checkPhandleProp(c: Check, x: Ctx, node: LNode, propname: string): number {
  const prop = getProperty(node, propname);
  if (!prop) return 0;
  if (prop.value.length !== 4) {
    failProp(c, x, node, prop, `bad length (${prop.value.length}) ${prop.name} property`);
    return 0;
  }
  for (const m of prop.markers) {
    if (m.kind !== "ref_phandle") continue;
    if (node !== getNodeByRef(x.dt.root, m.ref!, x.index)) {
      fail(c, x, node, `${prop.name} is a reference to another node`);
    }
    return 0;
  }
  const ph = propvalCell(prop);
  if (ph === 0 || ph === 0xffffffff) {
    failProp(c, x, node, prop, `bad value (0x${hex(ph)}) in ${prop.name} property`);
    return 0;
  }
  return ph;
}

function checkExplicitPhandles(c: Check, x: Ctx, node: LNode): void {
  let ph = checkPhandleProp(c, x, node, "phandle");
  const lph = checkPhandleProp(c, x, node, "linux,phandle");
  if (!ph && !lph) return;
  if (lph && ph && ph !== lph) {
    fail(c, x, node, "mismatching 'phandle' and 'linux,phandle' properties");
  }
  if (lph && !ph) ph = lph;
  const other = x.dt.nodeByPhandle(ph);
  if (other && other !== node) {
    fail(c, x, node, `duplicated phandle 0x${hex(ph)} (seen before at ${fullpath(other)})`);
    return;
  }
  x.dt.setPhandle(node, ph);
}

function checkNameProperties(c: Check, x: Ctx, node: LNode): void {
  const i = node.props.findIndex((p) => p.name === "name");
  if (i < 0) return;
  const prop = node.props[i];
  const v = prop.value;
  let same = v.length === node.basenamelen + 1;
  for (let k = 0; same && k < node.basenamelen; k++) {
    if (v[k] !== node.name.charCodeAt(k)) same = false;
  }
  if (!same) {
    fail(
      c,
      x,
      node,
      `"name" property is incorrect ("${cstr(v) ?? "(null)"}" instead of base node name)`,
    );
  } else {
    node.props.splice(i, 1);
  }
}

function fixupPhandleReferences(c: Check, x: Ctx, node: LNode): void {
  for (const prop of node.props) {
    if (prop.deleted) continue;
    for (const m of prop.markers) {
      if (m.kind !== "ref_phandle") continue;
      const refnode = getNodeByRef(x.dt.root, m.ref!, x.index);
      if (!refnode) {
        if (!x.dt.plugin) {
          fail(c, x, node, `Reference to non-existent node or label "${m.ref}"\n`);
        } else {
          writeU32(prop.value, m.offset, 0xffffffff);
        }
        continue;
      }
      const ph = x.dt.nodePhandle(refnode);
      writeU32(prop.value, m.offset, ph);
      refnode.isReferenced = true;
    }
  }
}

function fixupPathReferences(c: Check, x: Ctx, node: LNode): void {
  for (const prop of node.props) {
    if (prop.deleted) continue;
    for (let i = 0; i < prop.markers.length; i++) {
      const m = prop.markers[i];
      if (m.kind !== "ref_path") continue;
      const refnode = getNodeByRef(x.dt.root, m.ref!, x.index);
      if (!refnode) {
        fail(c, x, node, `Reference to non-existent node or label "${m.ref}"\n`);
        continue;
      }
      const path = refnode.fullpath ?? "";
      const bytes = new Uint8Array(path.length + 1);
      for (let k = 0; k < path.length; k++) bytes[k] = path.charCodeAt(k) & 0xff;
      insertAtMarker(prop, i, bytes);
      refnode.isReferenced = true;
    }
  }
}

function fixupOmitUnusedNodes(_c: Check, x: Ctx, node: LNode): void {
  if (x.symbols && node.llabels.length) return;
  if (node.omitIfNoRef && !node.isReferenced) deleteNode(node);
}

function checkNamesIsStringList(c: Check, x: Ctx, node: LNode): void {
  for (const prop of liveProps(node)) {
    if (!prop.name.endsWith("-names")) continue;
    c.data = prop.name;
    checkIsStringList(c, x, node);
  }
}

function checkAliasPaths(c: Check, x: Ctx, node: LNode): void {
  if (node.name !== "aliases") return;
  for (const prop of liveProps(node)) {
    if (prop.name === "phandle" || prop.name === "linux,phandle") continue;
    const s = cstr(prop.value);
    if (s === null || !getNodeByPath(x.dt.root, s)) {
      failProp(c, x, node, prop, `aliases property is not a valid node (${s ?? "(null)"})`);
      continue;
    }
    if (strspn(prop.name, LOWERCASE + DIGITS + "-") !== prop.name.length) {
      fail(c, x, node, "aliases property name must include only lowercase and '-'");
    }
  }
}

function fixupAddrSizeCells(_c: Check, _x: Ctx, node: LNode): void {
  node.addrCells = -1;
  node.sizeCells = -1;
  let prop = getProperty(node, "#address-cells");
  if (prop) node.addrCells = asInt(propvalCell(prop));
  prop = getProperty(node, "#size-cells");
  if (prop) node.sizeCells = asInt(propvalCell(prop));
}

function checkRegFormat(c: Check, x: Ctx, node: LNode): void {
  const prop = getProperty(node, "reg");
  if (!prop) return;
  if (!node.parent) {
    fail(c, x, node, 'Root node has a "reg" property');
    return;
  }
  if (prop.value.length === 0) failProp(c, x, node, prop, "property is empty");
  const ac = nodeAddrCells(node.parent);
  const sc = nodeSizeCells(node.parent);
  const entrylen = (ac + sc) * 4;
  if (!isMultipleOf(prop.value.length, entrylen)) {
    failProp(
      c,
      x,
      node,
      prop,
      `property has invalid length (${prop.value.length} bytes) (#address-cells == ${ac}, #size-cells == ${sc})`,
    );
  }
}

function checkRangesFormat(c: Check, x: Ctx, node: LNode): void {
  const ranges = c.data as string;
  const prop = getProperty(node, ranges);
  if (!prop) return;
  if (!node.parent) {
    failProp(c, x, node, prop, `Root node has a "${ranges}" property`);
    return;
  }
  const pac = nodeAddrCells(node.parent);
  const psc = nodeSizeCells(node.parent);
  const cac = nodeAddrCells(node);
  const csc = nodeSizeCells(node);
  const entrylen = (pac + cac + csc) * 4;
  if (prop.value.length === 0) {
    if (pac !== cac) {
      failProp(
        c,
        x,
        node,
        prop,
        `empty "${ranges}" property but its #address-cells (${cac}) differs from ${
          fullpath(node.parent)
        } (${pac})`,
      );
    }
    if (psc !== csc) {
      failProp(
        c,
        x,
        node,
        prop,
        `empty "${ranges}" property but its #size-cells (${csc}) differs from ${
          fullpath(node.parent)
        } (${psc})`,
      );
    }
  } else if (!isMultipleOf(prop.value.length, entrylen)) {
    failProp(
      c,
      x,
      node,
      prop,
      `"${ranges}" property has invalid length (${prop.value.length} bytes) (parent #address-cells == ${pac}, child #address-cells == ${cac}, #size-cells == ${csc})`,
    );
  }
}

function checkPciBridge(c: Check, x: Ctx, node: LNode): void {
  let prop = getProperty(node, "device_type");
  if (!prop || cstr(prop.value) !== "pci") return;
  node.bus = "PCI";
  if (!baseIs(node, "pci") && !baseIs(node, "pcie")) {
    fail(c, x, node, 'node name is not "pci" or "pcie"');
  }
  prop = getProperty(node, "ranges");
  if (!prop) fail(c, x, node, "missing ranges for PCI bridge (or not a bridge)");
  if (nodeAddrCells(node) !== 3) fail(c, x, node, "incorrect #address-cells for PCI bridge");
  if (nodeSizeCells(node) !== 2) fail(c, x, node, "incorrect #size-cells for PCI bridge");
  prop = getProperty(node, "bus-range");
  if (!prop) return;
  if (prop.value.length !== 8) {
    failProp(c, x, node, prop, "value must be 2 cells");
    return;
  }
  const c0 = cellAt(prop.value, 0), c1 = cellAt(prop.value, 1);
  if (c0 > c1) failProp(c, x, node, prop, "1st cell must be less than or equal to 2nd cell");
  if (c1 > 0xff) failProp(c, x, node, prop, "maximum bus number must be less than 256");
}

function checkPciDeviceBusNum(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "PCI") return;
  let prop = getProperty(node, "reg");
  if (!prop) return;
  const busNum = (cellAt(prop.value, 0) & 0x00ff0000) >>> 16;
  prop = getProperty(node.parent, "bus-range");
  let min = 0, max = 0;
  if (prop) {
    min = cellAt(prop.value, 0);
    max = cellAt(prop.value, 0); // sic: dtc 1.6.1 reads the first cell twice
  }
  if (busNum < min || busNum > max) {
    failProp(c, x, node, prop, `PCI bus number ${busNum} out of range, expected (${min} - ${max})`);
  }
}

function checkPciDeviceReg(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "PCI") return;
  const prop = getProperty(node, "reg");
  if (!prop) return;
  const unit = unitName(node);
  if (cellAt(prop.value, 1) || cellAt(prop.value, 2)) {
    failProp(c, x, node, prop, "PCI reg config space address cells 2 and 3 must be 0");
  }
  const reg = cellAt(prop.value, 0);
  const dev = (reg & 0xf800) >>> 11;
  const func = (reg & 0x700) >>> 8;
  if (reg & 0xff000000) failProp(c, x, node, prop, "PCI reg address is not configuration space");
  if (reg & 0xff) {
    failProp(c, x, node, prop, "PCI reg config space address register number must be 0");
  }
  if (func === 0 && unit === hex(dev).slice(0, 4)) return;
  const ua = `${hex(dev)},${hex(func)}`.slice(0, 4);
  if (unit === ua) return;
  fail(c, x, node, `PCI unit address format error, expected "${ua}"`);
}

function nodeIsCompatible(node: LNode, compat: string): boolean {
  const prop = getProperty(node, "compatible");
  if (!prop) return false;
  const v = prop.value;
  let i = 0;
  while (i < v.length) {
    let j = i;
    while (j < v.length && v[j] !== 0) j++;
    let s = "";
    for (let k = i; k < j; k++) s += String.fromCharCode(v[k]);
    if (s === compat) return true;
    i = j + 1;
  }
  return false;
}

function checkSimpleBusBridge(_c: Check, _x: Ctx, node: LNode): void {
  if (nodeIsCompatible(node, "simple-bus")) node.bus = "simple-bus";
}

function checkSimpleBusReg(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "simple-bus") return;
  const unit = unitName(node);
  let prop = getProperty(node, "reg");
  let v: Uint8Array | null = null;
  let first = 0;
  if (prop) {
    v = prop.value.length ? prop.value : null;
  } else {
    prop = getProperty(node, "ranges");
    if (prop && prop.value.length) {
      v = prop.value;
      first = nodeAddrCells(node);
    }
  }
  if (!v) {
    if (node.parent.parent && node.bus !== "simple-bus") {
      fail(c, x, node, "missing or empty reg/ranges property");
    }
    return;
  }
  let reg = 0n;
  for (let k = 0; k < nodeAddrCells(node.parent); k++) {
    reg = BigInt.asUintN(64, (reg << 32n) | BigInt(cellAt(v, first + k)));
  }
  const ua = reg.toString(16);
  if (unit !== ua) fail(c, x, node, `simple-bus unit address format error, expected "${ua}"`);
}

const I2C_OWN_SLAVE_ADDRESS = 1 << 30;
const I2C_TEN_BIT_ADDRESS = 0x80000000;

function checkI2cBusBridge(c: Check, x: Ctx, node: LNode): void {
  if (baseIs(node, "i2c-bus") || baseIs(node, "i2c-arb")) {
    node.bus = "i2c-bus";
  } else if (baseIs(node, "i2c")) {
    // dtc compares children with the parent's base-name length, so this never matches.
    for (const child of liveChildren(node)) {
      if (node.basenamelen === 7 && child.name.startsWith("i2c-bus")) return;
    }
    node.bus = "i2c-bus";
  } else {
    return;
  }
  if (node.children.length === 0) return;
  if (nodeAddrCells(node) !== 1) fail(c, x, node, "incorrect #address-cells for I2C bus");
  if (nodeSizeCells(node) !== 0) fail(c, x, node, "incorrect #size-cells for I2C bus");
}

function checkI2cBusReg(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "i2c-bus") return;
  const unit = unitName(node);
  const prop = getProperty(node, "reg");
  if (!prop || prop.value.length === 0) {
    fail(c, x, node, "missing or empty reg property");
    return;
  }
  let reg = (cellAt(prop.value, 0) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
  const ua = hex(reg);
  if (unit !== ua) fail(c, x, node, `I2C bus unit address format error, expected "${ua}"`);
  for (let len = prop.value.length, k = 0; len > 0; len -= 4, k++) {
    reg = (cellAt(prop.value, k) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
    if ((reg & I2C_TEN_BIT_ADDRESS) && ((reg & ~I2C_TEN_BIT_ADDRESS) >>> 0) > 0x3ff) {
      failProp(c, x, node, prop, `I2C address must be less than 10-bits, got "0x${hex(reg)}"`);
    } else if (reg > 0x7f) {
      failProp(
        c,
        x,
        node,
        prop,
        `I2C address must be less than 7-bits, got "0x${
          hex(reg)
        }". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property`,
      );
    }
  }
}

function checkSpiBusBridge(c: Check, x: Ctx, node: LNode): void {
  let spiAddrCells = 1;
  if (baseIs(node, "spi")) {
    node.bus = "spi-bus";
  } else {
    if (nodeAddrCells(node) !== 1 || nodeSizeCells(node) !== 0) return;
    outer: for (const child of liveChildren(node)) {
      for (const prop of liveProps(child)) {
        if (prop.name.startsWith("spi-")) {
          node.bus = "spi-bus";
          break outer;
        }
      }
    }
    if (node.bus === "spi-bus" && getProperty(node, "reg")) {
      fail(c, x, node, "node name for SPI buses should be 'spi'");
    }
  }
  if (node.bus !== "spi-bus" || node.children.length === 0) return;
  if (getProperty(node, "spi-slave")) spiAddrCells = 0;
  if (nodeAddrCells(node) !== spiAddrCells) {
    fail(c, x, node, "incorrect #address-cells for SPI bus");
  }
  if (nodeSizeCells(node) !== 0) fail(c, x, node, "incorrect #size-cells for SPI bus");
}

function checkSpiBusReg(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "spi-bus") return;
  if (getProperty(node.parent, "spi-slave")) return;
  const unit = unitName(node);
  const prop = getProperty(node, "reg");
  if (!prop || prop.value.length === 0) {
    fail(c, x, node, "missing or empty reg property");
    return;
  }
  const ua = hex(cellAt(prop.value, 0));
  if (unit !== ua) fail(c, x, node, `SPI bus unit address format error, expected "${ua}"`);
}

function isXdigit(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

function checkUnitAddressFormat(c: Check, x: Ctx, node: LNode): void {
  let unit = unitName(node);
  if (node.parent && node.parent.bus) return;
  if (!unit) return;
  if (unit.startsWith("0x")) {
    fail(c, x, node, 'unit name should not have leading "0x"');
    unit = unit.slice(2);
  }
  if (unit[0] === "0" && isXdigit(unit[1])) {
    fail(c, x, node, "unit name should not have leading 0s");
  }
}

function checkAvoidDefaultAddrSize(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent) return;
  if (!getProperty(node, "reg") && !getProperty(node, "ranges")) return;
  if (node.parent.addrCells === -1) fail(c, x, node, "Relying on default #address-cells value");
  if (node.parent.sizeCells === -1) fail(c, x, node, "Relying on default #size-cells value");
}

function checkAvoidUnnecessaryAddrSize(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.addrCells < 0 || node.sizeCells < 0) return;
  if (getProperty(node, "ranges") || node.children.length === 0) return;
  let hasReg = false;
  for (const child of liveChildren(node)) if (getProperty(child, "reg")) hasReg = true;
  if (!hasReg) {
    fail(
      c,
      x,
      node,
      'unnecessary #address-cells/#size-cells without "ranges" or child "reg" property',
    );
  }
}

function nodeIsDisabled(node: LNode): boolean {
  const prop = getProperty(node, "status");
  return prop ? cstr(prop.value) === "disabled" : false;
}

function checkUniqueUnitAddressCommon(c: Check, x: Ctx, node: LNode, disableCheck: boolean): void {
  if (node.addrCells < 0 || node.sizeCells < 0) return;
  if (node.children.length === 0) return;
  // dtc compares every child with every earlier one; grouping by unit address gives the same
  // failures in the same order (by the later child, then the earlier ones in order).
  const earlier = new Map<string, LNode[]>();
  let reports = 0;
  for (const a of node.children) {
    if (a.deleted) continue;
    const addrA = unitName(a);
    const aOff = disableCheck && nodeIsDisabled(a);
    if (addrA && !aOff) {
      for (const b of earlier.get(addrA) ?? []) {
        fail(c, x, b, `duplicate unit-address (also used in node ${fullpath(a)})`);
        if (++reports === MAX_DUP_REPORTS) return;
      }
    }
    // As an earlier node b, a disabled child never matches in the _if_enabled variant.
    if (!(disableCheck && nodeIsDisabled(a))) {
      const u = unitName(a);
      const l = earlier.get(u);
      if (l) l.push(a);
      else earlier.set(u, [a]);
    }
  }
}

function checkObsoleteChosenInterruptController(c: Check, x: Ctx, node: LNode): void {
  if (node !== x.dt.root) return;
  const chosen = getNodeByPath(x.dt.root, "/chosen");
  if (!chosen) return;
  const prop = getProperty(chosen, "interrupt-controller");
  if (prop) {
    failProp(c, x, node, prop, '/chosen has obsolete "interrupt-controller" property');
  }
}

function checkChosenNodeIsRoot(c: Check, x: Ctx, node: LNode): void {
  if (node.name !== "chosen") return;
  if (node.parent !== x.dt.root) fail(c, x, node, "chosen node must be at root node");
}

function checkChosenNodeBootargs(c: Check, x: Ctx, node: LNode): void {
  if (node.name !== "chosen") return;
  const prop = getProperty(node, "bootargs");
  if (!prop) return;
  c.data = prop.name;
  checkIsString(c, x, node);
}

function checkChosenNodeStdoutPath(c: Check, x: Ctx, node: LNode): void {
  if (node.name !== "chosen") return;
  let prop = getProperty(node, "stdout-path");
  if (!prop) {
    prop = getProperty(node, "linux,stdout-path");
    if (!prop) return;
    failProp(c, x, node, prop, "Use 'stdout-path' instead");
  }
  c.data = prop.name;
  checkIsString(c, x, node);
}

interface Provider {
  propName: string;
  cellName: string;
  optional: boolean;
}

function checkPropertyPhandleArgs(
  c: Check,
  x: Ctx,
  node: LNode,
  prop: LProp,
  provider: Provider,
): void {
  const len = prop.value.length;
  if (!isMultipleOf(len, 4)) {
    failProp(c, x, node, prop, `property size (${len}) is invalid, expected multiple of 4`);
    return;
  }
  let cellsize = 0;
  for (let cell = 0; cell < len / 4; cell += cellsize + 1) {
    const ph = cellAt(prop.value, cell);
    if (ph === 0 || ph === 0xffffffff) {
      if (x.dt.plugin) break;
      cellsize = 0;
      continue;
    }
    if (prop.markers.length || prop.hasNoneMarker) {
      let found = false;
      for (const m of prop.markers) {
        if (m.kind === "ref_phandle" && m.offset === cell * 4) {
          found = true;
          break;
        }
      }
      if (!found) failProp(c, x, node, prop, `cell ${cell} is not a phandle reference`);
    }
    const providerNode = x.dt.nodeByPhandle(ph);
    if (!providerNode) {
      failProp(c, x, node, prop, `Could not get phandle node for (cell ${cell})`);
      break;
    }
    const cellprop = getProperty(providerNode, provider.cellName);
    if (cellprop) {
      cellsize = asInt(propvalCell(cellprop));
    } else if (provider.optional) {
      cellsize = 0;
    } else {
      fail(
        c,
        x,
        node,
        `Missing property '${provider.cellName}' in node ${
          fullpath(providerNode)
        } or bad phandle (referred from ${prop.name}[${cell}])`,
      );
      break;
    }
    if (len < (cell + cellsize + 1) * 4) {
      failProp(c, x, node, prop, `property size (${len}) too small for cell size ${cellsize}`);
    }
    if (cellsize < 0) break; // a negative #cells would loop forever in dtc
  }
}

function checkProviderCellsProperty(c: Check, x: Ctx, node: LNode): void {
  const provider = c.data as Provider;
  const prop = getProperty(node, provider.propName);
  if (!prop) return;
  checkPropertyPhandleArgs(c, x, node, prop, provider);
}

function propIsGpio(prop: LProp): boolean {
  return gpioPropName(prop.name);
}

function gpioPropName(n: string): boolean {
  if (n.endsWith(",nr-gpios")) return false;
  return n.endsWith("-gpios") || n === "gpios" || n.endsWith("-gpio") || n === "gpio";
}

function checkGpiosProperty(c: Check, x: Ctx, node: LNode): void {
  if (getProperty(node, "gpio-hog")) return;
  for (const prop of liveProps(node)) {
    if (!propIsGpio(prop)) continue;
    checkPropertyPhandleArgs(c, x, node, prop, {
      propName: prop.name,
      cellName: "#gpio-cells",
      optional: false,
    });
  }
}

function checkDeprecatedGpioProperty(c: Check, x: Ctx, node: LNode): void {
  for (const prop of liveProps(node)) {
    if (!propIsGpio(prop)) continue;
    if (!prop.name.endsWith("gpio")) continue;
    failProp(c, x, node, prop, "'[*-]gpio' is deprecated, use '[*-]gpios' instead");
  }
}

function nodeIsInterruptProvider(node: LNode): boolean {
  return !!getProperty(node, "interrupt-controller") || !!getProperty(node, "interrupt-map");
}

function checkInterruptProvider(c: Check, x: Ctx, node: LNode): void {
  if (!nodeIsInterruptProvider(node)) return;
  if (!getProperty(node, "#interrupt-cells")) {
    fail(c, x, node, "Missing #interrupt-cells in interrupt provider");
  }
  if (!getProperty(node, "#address-cells")) {
    fail(c, x, node, "Missing #address-cells in interrupt provider");
  }
}

function checkInterruptsProperty(c: Check, x: Ctx, node: LNode): void {
  const irqProp = getProperty(node, "interrupts");
  if (!irqProp) return;
  if (!isMultipleOf(irqProp.value.length, 4)) {
    failProp(
      c,
      x,
      node,
      irqProp,
      `size (${irqProp.value.length}) is invalid, expected multiple of 4`,
    );
  }
  let irqNode: LNode | undefined;
  let parent: LNode | null = node;
  let prop: LProp | undefined;
  while (parent && !prop) {
    if (parent !== node && nodeIsInterruptProvider(parent)) {
      irqNode = parent;
      break;
    }
    prop = getProperty(parent, "interrupt-parent");
    if (prop) {
      const ph = propvalCell(prop);
      if (ph === 0 || ph === 0xffffffff) {
        if (x.dt.plugin) return;
        failProp(c, x, parent, prop, "Invalid phandle");
        continue;
      }
      irqNode = x.dt.nodeByPhandle(ph);
      if (!irqNode) {
        failProp(c, x, parent, prop, "Bad phandle");
        return;
      }
      if (!nodeIsInterruptProvider(irqNode)) {
        fail(c, x, irqNode, "Missing interrupt-controller or interrupt-map property");
      }
      break;
    }
    parent = parent.parent;
  }
  if (!irqNode) {
    fail(c, x, node, "Missing interrupt-parent");
    return;
  }
  const cellsProp = getProperty(irqNode, "#interrupt-cells");
  if (!cellsProp) return;
  const irqCells = asInt(propvalCell(cellsProp));
  if (!isMultipleOf(irqProp.value.length, irqCells * 4)) {
    failProp(
      c,
      x,
      node,
      cellsProp,
      `size is (${irqProp.value.length}), expected multiple of ${irqCells * 4}`,
    );
  }
}

function checkGraphNodes(_c: Check, _x: Ctx, node: LNode): void {
  for (const child of liveChildren(node)) {
    if (!(baseIs(child, "endpoint") || getProperty(child, "remote-endpoint"))) continue;
    node.bus = "graph-port";
    if (
      node.parent && !node.parent.bus &&
      (node.parent.name === "ports" || getProperty(node, "reg"))
    ) {
      node.parent.bus = "graph-ports";
    }
    break;
  }
}

function checkGraphChildAddress(c: Check, x: Ctx, node: LNode): void {
  if (node.bus !== "graph-ports" && node.bus !== "graph-port") return;
  let cnt = 0;
  for (const child of liveChildren(node)) {
    const prop = getProperty(child, "reg");
    if (prop && propvalCell(prop) !== 0) return;
    cnt++;
  }
  if (cnt === 1 && node.addrCells !== -1) {
    fail(
      c,
      x,
      node,
      `graph node has single child node '${
        node.children[0].name
      }', #address-cells/#size-cells are not necessary`,
    );
  }
}

function checkGraphReg(c: Check, x: Ctx, node: LNode): void {
  const unit = unitName(node);
  const prop = getProperty(node, "reg");
  if (!prop) return;
  if (prop.value.length !== 4) {
    fail(c, x, node, "graph node malformed 'reg' property");
    return;
  }
  const ua = hex(propvalCell(prop));
  if (unit !== ua) fail(c, x, node, `graph node unit address error, expected "${ua}"`);
  const parent = node.parent!;
  if (parent.addrCells !== 1) {
    failProp(
      c,
      x,
      node,
      getProperty(node, "#address-cells"),
      `graph node '#address-cells' is ${parent.addrCells}, must be 1`,
    );
  }
  if (parent.sizeCells !== 0) {
    failProp(
      c,
      x,
      node,
      getProperty(node, "#size-cells"),
      `graph node '#size-cells' is ${parent.sizeCells}, must be 0`,
    );
  }
}

function checkGraphPort(c: Check, x: Ctx, node: LNode): void {
  if (node.bus !== "graph-port") return;
  if (!baseIs(node, "port")) fail(c, x, node, "graph port node name should be 'port'");
  checkGraphReg(c, x, node);
}

function getRemoteEndpoint(c: Check, x: Ctx, endpoint: LNode): LNode | undefined {
  const prop = getProperty(endpoint, "remote-endpoint");
  if (!prop) return undefined;
  const ph = propvalCell(prop);
  if (ph === 0 || ph === 0xffffffff) return undefined;
  const node = x.dt.nodeByPhandle(ph);
  if (!node) failProp(c, x, endpoint, prop, "graph phandle is not valid");
  return node;
}

function checkGraphEndpoint(c: Check, x: Ctx, node: LNode): void {
  if (!node.parent || node.parent.bus !== "graph-port") return;
  if (!baseIs(node, "endpoint")) fail(c, x, node, "graph endpoint node name should be 'endpoint'");
  checkGraphReg(c, x, node);
  const remote = getRemoteEndpoint(c, x, node);
  if (!remote) return;
  if (getRemoteEndpoint(c, x, remote) !== node) {
    fail(c, x, node, `graph connection to node '${fullpath(remote)}' is not bidirectional`);
  }
}

// ---- the table ---------------------------------------------------------------------------

type Level = "warning" | "error" | "off";

function mk(
  name: string,
  fn: Check["fn"],
  data: unknown,
  level: Level,
  ...prereqs: Check[]
): Check {
  return {
    name,
    fn,
    data,
    warn: level === "warning",
    error: level === "error",
    status: "unchecked",
    inprogress: false,
    prereqs,
  };
}

/** Build a fresh check table (statuses and levels are per run), in dtc's `check_table` order. */
function buildTable(): Check[] {
  const always_fail = mk(
    "always_fail",
    (c, x, node) => fail(c, x, node, "always_fail check"),
    null,
    "off",
  );
  const duplicate_node_names = mk("duplicate_node_names", checkDuplicateNodeNames, null, "error");
  const duplicate_property_names = mk(
    "duplicate_property_names",
    checkDuplicatePropertyNames,
    null,
    "error",
  );
  const node_name_chars = mk("node_name_chars", checkNodeNameChars, NODECHARS, "error");
  const node_name_chars_strict = mk(
    "node_name_chars_strict",
    checkNodeNameCharsStrict,
    PROPNODECHARSSTRICT,
    "off",
  );
  const node_name_format = mk(
    "node_name_format",
    checkNodeNameFormat,
    null,
    "error",
    node_name_chars,
  );
  const node_name_vs_property_name = mk(
    "node_name_vs_property_name",
    checkNodeNameVsPropertyName,
    null,
    "warning",
    node_name_chars,
  );
  const unit_address_vs_reg = mk("unit_address_vs_reg", checkUnitAddressVsReg, null, "warning");
  const property_name_chars = mk("property_name_chars", checkPropertyNameChars, PROPCHARS, "error");
  const property_name_chars_strict = mk(
    "property_name_chars_strict",
    checkPropertyNameCharsStrict,
    PROPNODECHARSSTRICT,
    "off",
  );
  const duplicate_label = mk("duplicate_label", checkDuplicateLabelNode, null, "error");
  const explicit_phandles = mk("explicit_phandles", checkExplicitPhandles, null, "error");
  const name_is_string = mk("name_is_string", checkIsString, "name", "error");
  const name_properties = mk("name_properties", checkNameProperties, null, "error", name_is_string);
  const phandle_references = mk(
    "phandle_references",
    fixupPhandleReferences,
    null,
    "error",
    duplicate_node_names,
    explicit_phandles,
  );
  const path_references = mk(
    "path_references",
    fixupPathReferences,
    null,
    "error",
    duplicate_node_names,
  );
  const omit_unused_nodes = mk(
    "omit_unused_nodes",
    fixupOmitUnusedNodes,
    null,
    "error",
    phandle_references,
    path_references,
  );
  const sel = (c: Check, s: string): Check => {
    c.sel = s;
    return c;
  };
  const isCell = (n: string, p: string) => sel(mk(n, checkIsCell, p, "warning"), "p:" + p);
  const isString = (n: string, p: string) => sel(mk(n, checkIsString, p, "warning"), "p:" + p);
  const address_cells_is_cell = isCell("address_cells_is_cell", "#address-cells");
  const size_cells_is_cell = isCell("size_cells_is_cell", "#size-cells");
  const device_type_is_string = isString("device_type_is_string", "device_type");
  const model_is_string = isString("model_is_string", "model");
  const status_is_string = isString("status_is_string", "status");
  const label_is_string = isString("label_is_string", "label");
  const compatible_is_string_list = sel(
    mk("compatible_is_string_list", checkIsStringList, "compatible", "warning"),
    "p:compatible",
  );
  const names_is_string_list = sel(
    mk("names_is_string_list", checkNamesIsStringList, null, "warning"),
    "\0-names",
  );
  const alias_paths = sel(mk("alias_paths", checkAliasPaths, null, "warning"), "n:aliases");
  const addr_size_cells = mk(
    "addr_size_cells",
    fixupAddrSizeCells,
    null,
    "warning",
    address_cells_is_cell,
    size_cells_is_cell,
  );
  const reg_format = sel(
    mk("reg_format", checkRegFormat, null, "warning", addr_size_cells),
    "p:reg",
  );
  const ranges_format = sel(
    mk(
      "ranges_format",
      checkRangesFormat,
      "ranges",
      "warning",
      addr_size_cells,
    ),
    "p:ranges",
  );
  const dma_ranges_format = sel(
    mk(
      "dma_ranges_format",
      checkRangesFormat,
      "dma-ranges",
      "warning",
      addr_size_cells,
    ),
    "p:dma-ranges",
  );
  const pci_bridge = sel(
    mk(
      "pci_bridge",
      checkPciBridge,
      null,
      "warning",
      device_type_is_string,
      addr_size_cells,
    ),
    "p:device_type",
  );
  const pci_device_bus_num = mk(
    "pci_device_bus_num",
    checkPciDeviceBusNum,
    null,
    "warning",
    reg_format,
    pci_bridge,
  );
  const pci_device_reg = mk(
    "pci_device_reg",
    checkPciDeviceReg,
    null,
    "warning",
    reg_format,
    pci_bridge,
  );
  const simple_bus_bridge = sel(
    mk(
      "simple_bus_bridge",
      checkSimpleBusBridge,
      null,
      "warning",
      addr_size_cells,
      compatible_is_string_list,
    ),
    "p:compatible",
  );
  const simple_bus_reg = mk(
    "simple_bus_reg",
    checkSimpleBusReg,
    null,
    "warning",
    reg_format,
    simple_bus_bridge,
  );
  const i2c_bus_bridge = mk("i2c_bus_bridge", checkI2cBusBridge, null, "warning", addr_size_cells);
  const i2c_bus_reg = mk(
    "i2c_bus_reg",
    checkI2cBusReg,
    null,
    "warning",
    reg_format,
    i2c_bus_bridge,
  );
  const spi_bus_bridge = mk("spi_bus_bridge", checkSpiBusBridge, null, "warning", addr_size_cells);
  const spi_bus_reg = mk(
    "spi_bus_reg",
    checkSpiBusReg,
    null,
    "warning",
    reg_format,
    spi_bus_bridge,
  );
  const unit_address_format = mk(
    "unit_address_format",
    checkUnitAddressFormat,
    null,
    "warning",
    node_name_format,
    pci_bridge,
    simple_bus_bridge,
  );
  const avoid_default_addr_size = mk(
    "avoid_default_addr_size",
    checkAvoidDefaultAddrSize,
    null,
    "warning",
    addr_size_cells,
  );
  const avoid_unnecessary_addr_size = mk(
    "avoid_unnecessary_addr_size",
    checkAvoidUnnecessaryAddrSize,
    null,
    "warning",
    avoid_default_addr_size,
  );
  const unique_unit_address = mk(
    "unique_unit_address",
    (c, x, n) => checkUniqueUnitAddressCommon(c, x, n, false),
    null,
    "warning",
    avoid_default_addr_size,
  );
  const unique_unit_address_if_enabled = mk(
    "unique_unit_address_if_enabled",
    (c, x, n) => checkUniqueUnitAddressCommon(c, x, n, true),
    null,
    "off",
    avoid_default_addr_size,
  );
  const obsolete_chosen_interrupt_controller = mk(
    "obsolete_chosen_interrupt_controller",
    checkObsoleteChosenInterruptController,
    null,
    "warning",
  );
  const chosen_node_is_root = sel(
    mk("chosen_node_is_root", checkChosenNodeIsRoot, null, "warning"),
    "n:chosen",
  );
  const chosen_node_bootargs = sel(
    mk("chosen_node_bootargs", checkChosenNodeBootargs, null, "warning"),
    "n:chosen",
  );
  const chosen_node_stdout_path = sel(
    mk(
      "chosen_node_stdout_path",
      checkChosenNodeStdoutPath,
      null,
      "warning",
    ),
    "n:chosen",
  );
  const providers: Check[] = [];
  const prov = (nm: string, propName: string, cellName: string, optional = false) => {
    const isc = isCell(`${nm}_is_cell`, cellName);
    const p = sel(
      mk(
        `${nm}_property`,
        checkProviderCellsProperty,
        { propName, cellName, optional } as Provider,
        "warning",
        isc,
        phandle_references,
      ),
      "p:" + propName,
    );
    providers.push(p, isc);
  };
  prov("clocks", "clocks", "#clock-cells");
  prov("cooling_device", "cooling-device", "#cooling-cells");
  prov("dmas", "dmas", "#dma-cells");
  prov("hwlocks", "hwlocks", "#hwlock-cells");
  prov("interrupts_extended", "interrupts-extended", "#interrupt-cells");
  prov("io_channels", "io-channels", "#io-channel-cells");
  prov("iommus", "iommus", "#iommu-cells");
  prov("mboxes", "mboxes", "#mbox-cells");
  prov("msi_parent", "msi-parent", "#msi-cells", true);
  prov("mux_controls", "mux-controls", "#mux-control-cells");
  prov("phys", "phys", "#phy-cells");
  prov("power_domains", "power-domains", "#power-domain-cells");
  prov("pwms", "pwms", "#pwm-cells");
  prov("resets", "resets", "#reset-cells");
  prov("sound_dai", "sound-dai", "#sound-dai-cells");
  prov("thermal_sensors", "thermal-sensors", "#thermal-sensor-cells");
  const deprecated_gpio_property = mk(
    "deprecated_gpio_property",
    checkDeprecatedGpioProperty,
    null,
    "off",
  );
  const gpios_property = sel(
    mk("gpios_property", checkGpiosProperty, null, "warning", phandle_references),
    "\0gpios",
  );
  // dtc passes &phandle_references as this check's data, not as a prerequisite.
  const interrupts_property = sel(
    mk("interrupts_property", checkInterruptsProperty, null, "warning"),
    "p:interrupts",
  );
  const interrupt_provider = mk("interrupt_provider", checkInterruptProvider, null, "warning");
  const graph_nodes = mk("graph_nodes", checkGraphNodes, null, "warning");
  const graph_child_address = mk(
    "graph_child_address",
    checkGraphChildAddress,
    null,
    "warning",
    graph_nodes,
  );
  const graph_port = mk("graph_port", checkGraphPort, null, "warning", graph_nodes);
  const graph_endpoint = mk("graph_endpoint", checkGraphEndpoint, null, "warning", graph_nodes);

  return [
    duplicate_node_names,
    duplicate_property_names,
    node_name_chars,
    node_name_format,
    property_name_chars,
    name_is_string,
    name_properties,
    node_name_vs_property_name,
    duplicate_label,
    explicit_phandles,
    phandle_references,
    path_references,
    omit_unused_nodes,
    address_cells_is_cell,
    size_cells_is_cell,
    device_type_is_string,
    model_is_string,
    status_is_string,
    label_is_string,
    compatible_is_string_list,
    names_is_string_list,
    property_name_chars_strict,
    node_name_chars_strict,
    addr_size_cells,
    reg_format,
    ranges_format,
    dma_ranges_format,
    unit_address_vs_reg,
    unit_address_format,
    pci_bridge,
    pci_device_reg,
    pci_device_bus_num,
    simple_bus_bridge,
    simple_bus_reg,
    i2c_bus_bridge,
    i2c_bus_reg,
    spi_bus_bridge,
    spi_bus_reg,
    avoid_default_addr_size,
    avoid_unnecessary_addr_size,
    unique_unit_address,
    unique_unit_address_if_enabled,
    obsolete_chosen_interrupt_controller,
    chosen_node_is_root,
    chosen_node_bootargs,
    chosen_node_stdout_path,
    ...providers,
    deprecated_gpio_property,
    gpios_property,
    interrupts_property,
    interrupt_provider,
    alias_paths,
    graph_nodes,
    graph_child_address,
    graph_port,
    graph_endpoint,
    always_fail,
  ];
}

/** The names of every check, in dtc's table order. */
export const CHECK_NAMES: readonly string[] = buildTable().map((c) => c.name);

/** The nodes each check can act on (see buildIndexes); checks not listed visit every node. */
const SELECTORS: Record<string, string> = {
  duplicate_node_names: "\0dupnode",
  duplicate_property_names: "\0dupprop",
  node_name_chars: "\0badnodename",
  node_name_format: "\0multiat",
  property_name_chars: "\0badpropname",
  name_is_string: "p:name",
  name_properties: "\0anyname",
  node_name_vs_property_name: "\0namevsprop",
  duplicate_label: "\0labels",
  explicit_phandles: "\0phandles",
  phandle_references: "\0refph",
  path_references: "\0refpath",
  omit_unused_nodes: "\0omit",
  addr_size_cells: "\0cells",
  unit_address_vs_reg: "\0uavr",
  unit_address_format: "\0uaf",
  pci_device_reg: "\0pcichild",
  pci_device_bus_num: "\0pcichild",
  simple_bus_reg: "\0compatchild",
  i2c_bus_bridge: "\0i2c",
  i2c_bus_reg: "\0i2cchild",
  spi_bus_bridge: "\0spi",
  spi_bus_reg: "\0spichild",
  avoid_default_addr_size: "\0regranges",
  avoid_unnecessary_addr_size: "\0cells",
  unique_unit_address: "\0cells",
  unique_unit_address_if_enabled: "\0cells",
  obsolete_chosen_interrupt_controller: "\0root",
  deprecated_gpio_property: "\0gpios",
  gpios_property: "\0gpios",
  names_is_string_list: "\0-names",
  interrupt_provider: "\0intprov",
  graph_nodes: "\0graphparent",
  graph_child_address: "\0graphcand",
  graph_port: "\0graphcand",
  graph_endpoint: "\0graphchild",
};

const TABLE = buildTable();
for (const c of TABLE) if (SELECTORS[c.name]) c.sel = SELECTORS[c.name];
// addr_size_cells resets every node (dtc's fixup visits all); only nodes with the properties
// need reading.
TABLE.find((c) => c.name === "addr_size_cells")!.prepare = (x) => {
  for (const n of x.order) {
    n.addrCells = -1;
    n.sizeCells = -1;
  }
};
const DEFAULTS = TABLE.map((c) => ({ warn: c.warn, error: c.error, data: c.data }));
const DUP = TABLE.find((c) => c.name === "duplicate_label")!;

function enableWarningError(c: Check, warn: boolean, error: boolean): void {
  if ((warn && !c.warn) || (error && !c.error)) {
    for (const p of c.prereqs) enableWarningError(p, warn, error);
  }
  c.warn = c.warn || warn;
  c.error = c.error || error;
}

function disableWarningError(table: Check[], c: Check, warn: boolean, error: boolean): void {
  if ((warn && c.warn) || (error && c.error)) {
    for (const cc of table) {
      if (cc.prereqs.includes(c)) disableWarningError(table, cc, warn, error);
    }
  }
  c.warn = c.warn && !warn;
  c.error = c.error && !error;
}

/** dtc `parse_checks_option` (`-W` is warn, `-E` is error; `no-`/`no_` disables). */
function parseChecksOption(table: Check[], warn: boolean, error: boolean, arg: string): void {
  let name = arg;
  let enable = true;
  if (arg.startsWith("no-") || arg.startsWith("no_")) {
    name = arg.slice(3);
    enable = false;
  }
  const c = table.find((t) => t.name === name);
  if (!c) throw new UnknownCheckError(`Unrecognized check name "${name}"`);
  if (enable) enableWarningError(c, warn, error);
  else disableWarningError(table, c, warn, error);
}

/** Validate `-W`/`-E` arguments without running anything (throws {@link UnknownCheckError}). */
export function validateToggles(toggles: ReadonlyArray<{ kind: "W" | "E"; arg: string }>): void {
  const table = buildTable();
  for (const t of toggles) parseChecksOption(table, t.kind === "W", t.kind === "E", t.arg);
}

/**
 * dtc `process_checks`: run every enabled check in table order on a tree whose full paths are
 * filled. Messages come back in print order; `failed` means dtc would abort.
 */
export function runChecks(dt: LiveTree, index: LabelIndex, opts: CheckOptions = {}): CheckResult {
  // One table per module, reset for each run (the run is synchronous).
  const table = TABLE;
  for (let i = 0; i < table.length; i++) {
    const c = table[i];
    const d = DEFAULTS[i];
    c.status = "unchecked";
    c.inprogress = false;
    c.warn = d.warn;
    c.error = d.error;
    c.data = d.data;
  }
  for (const t of opts.toggles ?? []) {
    parseChecksOption(table, t.kind === "W", t.kind === "E", t.arg);
  }
  const order: LNode[] = [];
  const walk = (n: LNode): void => {
    order.push(n);
    for (const c of n.children) if (!c.deleted) walk(c);
  };
  walk(dt.root);
  const x: Ctx = {
    dt,
    index,
    out: opts.outName ?? "-",
    symbols: opts.symbols ?? false,
    messages: [],
    table,
    order,
    byProp: new Map(),
    byName: new Map(),
    byKey: new Map(),
  };
  buildIndexes(x);
  const dup = DUP;
  let error = false;
  for (const c of table) {
    if (!(c.warn || c.error)) continue;
    if (error) break;
    if (c === dup) dup.data = collectLabelOwners(x.byKey.get("\0labels") ?? []);
    error = runCheck(c, x);
  }
  return { messages: x.messages, failed: error };
}
