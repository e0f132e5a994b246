/**
 * The DTS parser: dtc 1.6.1's grammar (`dtc-parser.y`) as a recursive-descent parser over
 * {@link DtsLexer}, building dtc's live tree with its semantics: headers (`/dts-v1/`,
 * `/plugin/`), labelled `/memreserve/`s, repeated root nodes merged, `&label {}` / `&{/path} {}`
 * / `label: &ref {}` extensions, top-level `/delete-node/` and `/omit-if-no-ref/` on references,
 * property values made of strings, cells (`/bits/ 8|16|32|64`, references, labels), byte strings,
 * path references and `/incbin/`, and dtc's integer expressions (64-bit unsigned, C precedence,
 * division by zero an error). Values carry dtc's markers in dtc's order.
 *
 * Where dtc reports an error and carries on (its `ERROR()` macro), this parser throws an
 * {@link InputError} at the first one: the position is the start of the span dtc would print.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { DtsLexer, openRelative, type SourceAccess, T, tokenName } from "./dts_lexer.ts";
import {
  addChild,
  addLabel,
  addOrphanNode,
  deleteNode,
  escapeChar,
  getNodeByRef,
  guessBootCpuid,
  LabelIndex,
  LiveTree,
  type LLabel,
  type LMarker,
  LNode,
  LProp,
  type LReserve,
  mergeNodes,
  type SrcPos,
  srcposStart,
} from "./livetree.ts";

/** The result of parsing: the live tree and the label index used to resolve references. */
export interface ParsedDts {
  /** dtc's `struct dt_info`. */
  tree: LiveTree;
  /** Label lookup structure for the tree. */
  labels: LabelIndex;
}

const U64 = (1n << 64n) - 1n;

const EMPTY = new Uint8Array(0);

/** Shared (frozen) marker lists holding one type marker at offset 0, the usual case. */
const SINGLE_MARKER: Record<string, LMarker[]> = {};
for (const k of ["type_u8", "type_u16", "type_u32", "type_u64", "type_string", "label"]) {
  SINGLE_MARKER[k] = Object.freeze([
    Object.freeze({ kind: k, offset: 0, ref: undefined }),
  ]) as unknown as LMarker[];
}

/**
 * How deep nodes and expressions may nest: bison's default stack (YYMAXDEPTH 10000 entries,
 * several per level) makes dtc give up with "memory exhausted" in the same region.
 */
const MAX_NESTING = 2000;

/** A growable byte buffer with markers (dtc `struct data`), reused across properties. */
class DataBuf {
  /** The current slab: values are written straight into it and handed out as views. */
  buf = new Uint8Array(65536);
  /** Where the value being built starts in the slab. */
  base = 0;
  /** Bytes of the value so far. */
  len = 0;
  // The markers so far (kept as columns; objects are made only when the list is unusual).
  private mKind: LMarker["kind"][] = [];
  private mOff: number[] = [];
  private mRef: Array<string | undefined> = [];
  private mCount = 0;

  /** An `/incbin/` went in (dtc's TYPE_NONE marker). */
  hasNone = false;

  reset(): void {
    this.len = 0;
    this.mCount = 0;
    this.hasNone = false;
  }

  /**
   * The marker list of the value: one shared frozen list for the common "one type marker at
   * offset 0" case, fresh objects otherwise.
   */
  takeMarkers(): LMarker[] {
    const n = this.mCount;
    if (n === 1 && this.mOff[0] === 0 && this.mRef[0] === undefined) {
      return SINGLE_MARKER[this.mKind[0]];
    }
    const out: LMarker[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = { kind: this.mKind[i], offset: this.mOff[i], ref: this.mRef[i] };
    }
    return out;
  }

  /** Room for `extra` more bytes: a new slab (with the value so far) when this one is full. */
  private grow(extra: number): void {
    if (this.base + this.len + extra <= this.buf.length) return;
    const size = Math.max(65536, 2 * (this.len + extra));
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(this.base, this.base + this.len));
    this.buf = nb;
    this.base = 0;
  }

  mark(kind: LMarker["kind"], ref?: string): void {
    const i = this.mCount++;
    this.mKind[i] = kind;
    this.mOff[i] = this.len;
    this.mRef[i] = ref;
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.base + this.len);
    this.len += b.length;
  }

  /** Append the characters `t[start, end)` as bytes, then a NUL. */
  latin1(t: string, start: number, end: number): void {
    const n = end - start;
    this.grow(n + 1);
    const b = this.buf;
    let o = this.base + this.len;
    for (let k = start; k < end; k++) b[o++] = t.charCodeAt(k);
    b[o++] = 0;
    this.len = o - this.base;
  }

  /** Append a string literal's content `t[start, end)` with dtc's escapes decoded, then a NUL. */
  escaped(t: string, start: number, end: number): void {
    this.grow(end - start + 1);
    const b = this.buf;
    let o = this.base + this.len;
    let k = start;
    while (k < end) {
      const c = t.charCodeAt(k++);
      if (c !== 0x5c) {
        b[o++] = c;
        continue;
      }
      const r = escapeChar(t, k, end);
      b[o++] = r.value;
      k = r.next;
    }
    b[o++] = 0;
    this.len = o - this.base;
  }

  u8(v: number): void {
    this.grow(1);
    this.buf[this.base + this.len++] = v;
  }

  u32(v: number): void {
    this.grow(4);
    const b = this.buf;
    const o = this.base + this.len;
    b[o] = v >>> 24;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
    this.len += 4;
  }

  /** Append `v` (a 64-bit unsigned value) truncated to `bits`, big-endian. */
  int(v: number | bigint, bits: number): void {
    if (typeof v === "number") {
      if (bits === 32) return this.u32(v >>> 0);
      if (bits === 8) return this.u8(v & 0xff);
      if (bits === 16) {
        this.u8((v >>> 8) & 0xff);
        return this.u8(v & 0xff);
      }
      v = BigInt(v);
    }
    const n = bits / 8;
    this.grow(n);
    const o = this.base + this.len;
    for (let i = n - 1; i >= 0; i--) {
      this.buf[o + i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.len += n;
  }

  /** The value as its own view of the slab; the next value starts after it (4-aligned). */
  take(): Uint8Array {
    const n = this.len;
    if (n === 0) return EMPTY;
    const v = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.base, n);
    this.base += (n + 3) & ~3;
    this.len = 0;
    return v;
  }
}

/** A position at one point (for errors reported at a remembered start). */
function pointPos(file: string, line: number, col: number): SrcPos {
  return { file, line, col, lastLine: line, lastCol: col };
}

/** Span from the start of `a` to the end of `b`, in `b`'s file (bison's YYLLOC_DEFAULT). */
function span(a: SrcPos, b: SrcPos): SrcPos {
  return {
    file: b.file,
    line: a.line,
    col: a.col,
    lastLine: b.lastLine,
    lastCol: b.lastCol,
  };
}

/** Integer value: a double when exact and non-negative below 2^53, else a bigint (mod 2^64). */
type Int = number | bigint;

function toBig(v: Int): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

function norm(v: bigint): Int {
  const x = BigInt.asUintN(64, v);
  return x <= 0x1fffffffffffffn ? Number(x) : x;
}

function isZero(v: Int): boolean {
  return typeof v === "number" ? v === 0 : v === 0n;
}

/** Parse options. */
export interface ParseOptions extends SourceAccess {}

/** Parse DTS text (Latin-1, one char per byte) into dtc's live tree. */
export function parseDts(file: string, text: string, opts: ParseOptions): ParsedDts {
  const p = new Parser(file, text, opts);
  return p.sourcefile();
}

class Parser {
  private lx: DtsLexer;
  private access: SourceAccess;
  private index = new LabelIndex();
  private data = new DataBuf();
  private plugin = false;

  constructor(file: string, text: string, access: SourceAccess) {
    this.access = access;
    this.lx = new DtsLexer(file, text, access);
    this.lx.next();
  }

  /** The lookahead token (a method, so TypeScript does not narrow it across calls). */
  private tk(): number {
    return this.lx.tok;
  }

  /** Extend `pos` to end at the current token (in its file), like bison's span of a rule. */
  private extendTo(pos: SrcPos): void {
    const lx = this.lx;
    pos.file = lx.file;
    pos.lastLine = lx.lastLine;
    pos.lastCol = lx.lastCol;
  }

  private fail(pos: SrcPos, msg: string): never {
    throw new InputError(srcposStart(pos), msg);
  }

  private syntax(): never {
    this.fail(this.lx.pos(), `Syntax error, unexpected ${tokenName(this.tk())}`);
  }

  private expect(code: number): SrcPos {
    if (this.tk() !== code) this.syntax();
    const pos = this.lx.pos();
    this.lx.next();
    return pos;
  }

  sourcefile(): ParsedDts {
    // headers
    const flags: number[] = [];
    const hpos: SrcPos[] = [];
    if (this.tk() !== T.V1) this.syntax();
    while (this.tk() === T.V1) {
      const first = this.expect(T.V1);
      let last = this.expect(0x3b);
      let f = 1;
      if (this.tk() === T.PLUGIN) {
        this.lx.next();
        last = this.expect(0x3b);
        f = 3;
      }
      flags.push(f);
      hpos.push(span(first, last));
    }
    for (let i = flags.length - 2; i >= 0; i--) {
      if (flags[i] !== flags[i + 1]) {
        this.fail(
          span(hpos[i + 1], hpos[hpos.length - 1]),
          "Header flags don't match earlier ones",
        );
      }
    }
    this.plugin = flags[0] === 3;

    // memreserves
    const reserves: LReserve[] = [];
    while (this.tk() === T.LABEL || this.tk() === T.MEMRESERVE) {
      const names: string[] = [];
      while (this.tk() === T.LABEL) {
        names.push(this.lx.str);
        this.lx.next();
      }
      this.expect(T.MEMRESERVE);
      const addr = this.integerPrim().v;
      const size = this.integerPrim().v;
      this.expect(0x3b);
      const holder = { llabels: [] as LLabel[] };
      for (let i = names.length - 1; i >= 0; i--) addLabel(holder, names[i]);
      reserves.push({ address: toBig(addr), size: toBig(size), labels: holder.llabels });
    }

    // devicetree
    let root: LNode;
    if (this.tk() === 0x2f) {
      this.lx.next();
      root = this.nodedef();
      root.name = "";
    } else if (this.tk() === T.LABEL_REF || this.tk() === T.PATH_REF) {
      const ref = this.lx.str;
      this.lx.next();
      const node = this.nodedef();
      if (!this.plugin) this.fail(node.srcpos[0], `Label or path ${ref} not found`);
      root = new LNode("");
      this.orphan(root, node, ref);
    } else {
      this.syntax();
    }
    const tree = new LiveTree(root, reserves, this.plugin, 0);
    for (;;) {
      const t = this.tk();
      if (t === T.EOF) break;
      if (t === 0x2f) {
        this.lx.next();
        const node = this.nodedef();
        mergeNodes(root, node, this.index);
      } else if (t === T.LABEL) {
        const label = this.lx.str;
        this.lx.next();
        if (this.tk() !== T.LABEL_REF && this.tk() !== T.PATH_REF) this.syntax();
        const ref = this.lx.str;
        const refPos = this.lx.pos();
        this.lx.next();
        const node = this.nodedef();
        const target = getNodeByRef(root, ref, this.index);
        if (!target) this.fail(refPos, `Label or path ${ref} not found`);
        addLabel(target, label);
        this.index.add(label, target);
        mergeNodes(target, node, this.index);
      } else if (t === T.PATH_REF || t === T.LABEL_REF) {
        const ref = this.lx.str;
        const refPos = this.lx.pos();
        this.lx.next();
        const node = this.nodedef();
        if (t === T.PATH_REF && this.plugin) {
          this.orphan(root, node, ref);
        } else {
          const target = getNodeByRef(root, ref, this.index);
          if (target) mergeNodes(target, node, this.index);
          else if (this.plugin) this.orphan(root, node, ref);
          else this.fail(refPos, `Label or path ${ref} not found`);
        }
      } else if (t === T.DEL_NODE || t === T.OMIT_NO_REF) {
        this.lx.next();
        if (this.tk() !== T.LABEL_REF && this.tk() !== T.PATH_REF) this.syntax();
        const ref = this.lx.str;
        const refPos = this.lx.pos();
        this.lx.next();
        this.expect(0x3b);
        const target = getNodeByRef(root, ref, this.index);
        if (!target) this.fail(refPos, `Label or path ${ref} not found`);
        if (t === T.DEL_NODE) deleteNode(target);
        else target.omitIfNoRef = true;
      } else {
        this.syntax();
      }
    }
    tree.bootCpuidPhys = guessBootCpuid(root);
    return { tree, labels: this.index };
  }

  /** dtc `add_orphan_node`, numbering fragments from 0 (dtc's `next_orphan_fragment`). */
  private orphan(root: LNode, node: LNode, ref: string): void {
    addOrphanNode(root, node, ref, this.fragmentCounter++);
  }

  private fragmentCounter = 0;
  /** Nesting of nodes and sub-expressions (bison's parser stack is bounded too). */
  private depth = 0;

  /** `'{' proplist subnodes '}' ';'` */
  private nodedef(): LNode {
    const lx = this.lx;
    if (this.tk() !== 0x7b) this.syntax();
    // The node's span starts at '{' (built once the closing ';' is known).
    const openLine = lx.firstLine, openCol = lx.firstCol;
    if (++this.depth > MAX_NESTING) {
      this.fail(lx.pos(), "memory exhausted (nodes nested too deeply)");
    }
    lx.next();
    const node = new LNode("");
    let seenSubnode = false;
    for (;;) {
      const t = this.tk();
      if (t === 0x7d) break;
      // Labels, then a property or a subnode. (The start is only needed for errors.)
      const startFile = lx.file, startLine = lx.firstLine, startCol = lx.firstCol;
      let names: string[] | null = null;
      while (this.tk() === T.LABEL) {
        (names ??= []).push(this.lx.str);
        this.lx.next();
      }
      const k = this.tk();
      if (k === T.PROPNODENAME) {
        const name = this.lx.str;
        const namePos = this.lx.pos();
        this.lx.next();
        if (this.tk() === 0x7b) {
          const child = this.nodedef();
          child.name = name;
          this.applyNodeLabels(child, names);
          addChild(node, child);
          seenSubnode = true;
          continue;
        }
        const prop = this.propRest(name, namePos);
        if (names) { for (let i = names.length - 1; i >= 0; i--) addLabel(prop, names[i]); }
        if (seenSubnode) {
          this.fail(
            names ? pointPos(startFile, startLine, startCol) : namePos,
            "Properties must precede subnodes",
          );
        }
        node.props.push(prop);
      } else if (k === T.DEL_PROP) {
        this.lx.next();
        if (this.tk() !== T.PROPNODENAME) this.syntax();
        const name = this.lx.str;
        this.lx.next();
        this.expect(0x3b);
        if (seenSubnode) {
          this.fail(pointPos(startFile, startLine, startCol), "Properties must precede subnodes");
        }
        const prop = new LProp(name, new Uint8Array(0), [], null);
        prop.deleted = true;
        if (names) { for (let i = names.length - 1; i >= 0; i--) addLabel(prop, names[i]); }
        node.props.push(prop);
      } else if (k === T.DEL_NODE || k === T.OMIT_NO_REF) {
        const child = this.subnodeAfterLabels(k);
        this.applyNodeLabels(child, names);
        addChild(node, child);
        seenSubnode = true;
      } else {
        this.syntax();
      }
    }
    this.lx.next(); // '}'
    if (this.tk() !== 0x3b) this.syntax();
    node.srcpos.push({
      file: lx.file,
      line: openLine,
      col: openCol,
      lastLine: lx.lastLine,
      lastCol: lx.lastCol,
    });
    lx.next();
    this.depth--;
    for (const c of node.children) c.parent = node;
    return node;
  }

  private applyNodeLabels(node: LNode, names: string[] | null): void {
    if (!names) return;
    for (let i = names.length - 1; i >= 0; i--) {
      addLabel(node, names[i]);
      this.index.add(names[i], node);
    }
  }

  /** A subnode starting at `/delete-node/` or `/omit-if-no-ref/` (current token). */
  private subnodeAfterLabels(k: number): LNode {
    const kwPos = this.lx.pos();
    this.lx.next();
    if (k === T.DEL_NODE) {
      if (this.tk() !== T.PROPNODENAME) this.syntax();
      const name = this.lx.str;
      this.lx.next();
      const end = this.expect(0x3b);
      const n = new LNode(name);
      n.deleted = true;
      n.srcpos.push(span(kwPos, end));
      return n;
    }
    // /omit-if-no-ref/ subnode
    const names: string[] = [];
    while (this.tk() === T.LABEL) {
      names.push(this.lx.str);
      this.lx.next();
    }
    let child: LNode;
    if (this.tk() === T.PROPNODENAME) {
      const name = this.lx.str;
      this.lx.next();
      if (this.tk() !== 0x7b) this.syntax();
      child = this.nodedef();
      child.name = name;
    } else if (this.tk() === T.DEL_NODE || this.tk() === T.OMIT_NO_REF) {
      child = this.subnodeAfterLabels(this.tk());
    } else {
      this.syntax();
    }
    this.applyNodeLabels(child, names);
    child.omitIfNoRef = true;
    return child;
  }

  /** After a property name: `';'` or `'=' propdata ';'`. */
  private propRest(name: string, namePos: SrcPos): LProp {
    if (this.tk() === 0x3b) {
      this.extendTo(namePos);
      this.lx.next();
      return new LProp(name, EMPTY, [], namePos);
    }
    if (this.tk() !== 0x3d) this.syntax();
    this.lx.next();
    const d = this.data;
    d.reset();
    for (;;) {
      while (this.tk() === T.LABEL) {
        d.mark("label", this.lx.str);
        this.lx.next();
      }
      this.propItem();
      while (this.tk() === T.LABEL) {
        d.mark("label", this.lx.str);
        this.lx.next();
      }
      if (this.tk() === 0x2c) {
        this.lx.next();
        continue;
      }
      break;
    }
    if (this.tk() !== 0x3b) this.syntax();
    this.extendTo(namePos);
    this.lx.next();
    const prop = new LProp(name, d.take(), d.takeMarkers(), namePos);
    prop.hasNoneMarker = d.hasNone;
    return prop;
  }

  /** One value component. */
  private propItem(): void {
    const d = this.data;
    const lx = this.lx;
    switch (this.tk()) {
      case T.STRING:
        d.mark("type_string");
        if (lx.strPlain) d.latin1(lx.srcText, lx.strStart, lx.strEnd);
        else d.escaped(lx.srcText, lx.strStart, lx.strEnd);
        lx.next();
        return;
      case 0x3c:
      case T.BITS:
        this.array();
        return;
      case 0x5b:
        lx.next();
        d.mark("type_u8");
        while (this.tk() === T.BYTE || this.tk() === T.LABEL) {
          if (this.tk() === T.BYTE) d.u8(lx.num);
          else d.mark("label", lx.str);
          lx.next();
        }
        this.expect(0x5d);
        return;
      case T.LABEL_REF:
      case T.PATH_REF:
        d.mark("type_string", lx.str);
        d.mark("ref_path", lx.str);
        lx.next();
        return;
      case T.INCBIN:
        this.incbin();
        return;
      default:
        this.syntax();
    }
  }

  private array(): void {
    const d = this.data;
    const lx = this.lx;
    let bits = 32;
    if (this.tk() === T.BITS) {
      lx.next();
      if (this.tk() !== T.LITERAL) this.syntax();
      const bpos = lx.pos();
      const b = lx.big ?? lx.num;
      lx.next();
      if (b === 8 || b === 16 || b === 32 || b === 64) bits = b;
      else this.fail(bpos, "Array elements must be 8, 16, 32 or 64-bits");
      d.mark(
        bits === 8 ? "type_u8" : bits === 16 ? "type_u16" : bits === 32 ? "type_u32" : "type_u64",
      );
    } else {
      d.mark("type_u32");
    }
    this.expect(0x3c);
    for (;;) {
      const t = this.tk();
      if (t === T.LITERAL && bits === 32 && lx.big === null && lx.num <= 0xffffffff) {
        // Fast path: a plain cell.
        d.u32(lx.num);
        lx.next();
        continue;
      }
      if (t === T.LITERAL || t === T.CHAR_LITERAL || t === 0x28) {
        const { v, pos } = this.integerPrim();
        if (bits < 64) {
          const big = typeof v === "bigint";
          const max = 2 ** bits - 1;
          if (
            big
              ? (v as bigint) > BigInt(max) && (((v as bigint) | BigInt(max)) !== U64)
              : (v as number) > max
          ) {
            this.fail(pos, `Value out of range for ${bits}-bit array element`);
          }
        }
        d.int(v, bits);
        continue;
      }
      if (t === T.LABEL_REF || t === T.PATH_REF) {
        if (bits !== 32) {
          this.fail(lx.pos(), "References are only allowed in arrays with 32-bit elements.");
        }
        d.mark("ref_phandle", lx.str);
        d.u32(0xffffffff);
        lx.next();
        continue;
      }
      if (t === T.LABEL) {
        d.mark("label", lx.str);
        lx.next();
        continue;
      }
      break;
    }
    this.expect(0x3e);
  }

  private incbin(): void {
    const lx = this.lx;
    lx.next();
    this.expect(0x28);
    if (this.tk() !== T.STRING) this.syntax();
    const sb = lx.stringBytes();
    let nul = sb.indexOf(0);
    if (nul < 0) nul = sb.length;
    let fname = "";
    for (let i = 0; i < nul; i++) fname += String.fromCharCode(sb[i]);
    lx.next();
    let off: bigint = 0n;
    let len: bigint = -1n;
    if (this.tk() === 0x2c) {
      lx.next();
      off = toBig(this.integerPrim().v);
      this.expect(0x2c);
      len = toBig(this.integerPrim().v);
    }
    if (this.tk() !== 0x29) this.syntax();
    const closePos = lx.pos();
    const dir = lx.currentDir;
    lx.next();
    const opened = openRelative(this.access, dir, fname);
    if (!opened) this.fail(closePos, `Couldn't open "${fname}": No such file or directory`);
    if (off >= 1n << 63n) {
      this.fail(closePos, `Couldn't seek to offset ${off} in "${fname}": Invalid argument`);
    }
    const b = opened.bytes;
    const start = off > BigInt(b.length) ? b.length : Number(off);
    let end = b.length;
    if (len >= 0n && len !== U64 && BigInt(start) + len < BigInt(end)) end = start + Number(len);
    const d = this.data;
    d.hasNone = true;
    d.bytes(b.subarray(start, end));
  }

  /** `integer_prim`: a literal, a char literal or `( expr )`, with its span. */
  private integerPrim(): { v: Int; pos: SrcPos } {
    const lx = this.lx;
    if (this.depth > MAX_NESTING) {
      this.fail(lx.pos(), "memory exhausted (expression nested too deeply)");
    }
    if (this.tk() === T.LITERAL || this.tk() === T.CHAR_LITERAL) {
      const v: Int = lx.big ?? lx.num;
      const pos = lx.pos();
      lx.next();
      return { v, pos };
    }
    if (this.tk() !== 0x28) this.syntax();
    const open = lx.pos();
    lx.next();
    this.depth += 8;
    const v = this.expr().v;
    this.depth -= 8;
    const close = this.expect(0x29);
    return { v, pos: span(open, close) };
  }

  // Expressions (dtc precedence, low to high): ?: || && | ^ & (== !=) (< > <= >=)
  // (<< >>) (+ -) (* / %) unary.

  private expr(): { v: Int; pos: SrcPos } {
    const c = this.binary(0);
    if (this.tk() !== 0x3f) return c;
    this.lx.next();
    const a = this.expr();
    this.expect(0x3a);
    const b = this.expr(); // integer_trinary on the right: right-associative
    return { v: isZero(c.v) ? b.v : a.v, pos: span(c.pos, b.pos) };
  }

  private static readonly LEVELS: number[][] = [
    [T.OR],
    [T.AND],
    [0x7c],
    [0x5e],
    [0x26],
    [T.EQ, T.NE],
    [0x3c, 0x3e, T.LE, T.GE],
    [T.LSHIFT, T.RSHIFT],
    [0x2b, 0x2d],
    [0x2a, 0x2f, 0x25],
  ];

  private binary(level: number): { v: Int; pos: SrcPos } {
    if (level === Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = Parser.LEVELS[level];
    while (ops.includes(this.tk())) {
      const op = this.tk();
      this.lx.next();
      const right = this.binary(level + 1);
      const pos = span(left.pos, right.pos);
      left = { v: this.apply(op, left.v, right.v, pos), pos };
    }
    return left;
  }

  private apply(op: number, a: Int, b: Int, pos: SrcPos): Int {
    if (typeof a === "number" && typeof b === "number") {
      switch (op) {
        case T.OR:
          return a !== 0 || b !== 0 ? 1 : 0;
        case T.AND:
          return a !== 0 && b !== 0 ? 1 : 0;
        case T.EQ:
          return a === b ? 1 : 0;
        case T.NE:
          return a !== b ? 1 : 0;
        case 0x3c:
          return a < b ? 1 : 0;
        case 0x3e:
          return a > b ? 1 : 0;
        case T.LE:
          return a <= b ? 1 : 0;
        case T.GE:
          return a >= b ? 1 : 0;
        case 0x2b:
          if (a + b <= 0x1fffffffffffff) return a + b;
          break;
      }
    }
    const x = toBig(a), y = toBig(b);
    switch (op) {
      case T.OR:
        return x !== 0n || y !== 0n ? 1 : 0;
      case T.AND:
        return x !== 0n && y !== 0n ? 1 : 0;
      case 0x7c:
        return norm(x | y);
      case 0x5e:
        return norm(x ^ y);
      case 0x26:
        return norm(x & y);
      case T.EQ:
        return x === y ? 1 : 0;
      case T.NE:
        return x !== y ? 1 : 0;
      case 0x3c:
        return x < y ? 1 : 0;
      case 0x3e:
        return x > y ? 1 : 0;
      case T.LE:
        return x <= y ? 1 : 0;
      case T.GE:
        return x >= y ? 1 : 0;
      case T.LSHIFT:
        return y < 64n ? norm(x << y) : 0;
      case T.RSHIFT:
        return y < 64n ? norm(x >> y) : 0;
      case 0x2b:
        return norm(x + y);
      case 0x2d:
        return norm(x - y);
      case 0x2a:
        return norm(x * y);
      case 0x2f:
        if (y === 0n) this.fail(pos, "Division by zero");
        return norm(x / y);
      case 0x25:
        if (y === 0n) this.fail(pos, "Division by zero");
        return norm(x % y);
    }
    throw new Error(`unknown operator ${op}`);
  }

  private unary(): { v: Int; pos: SrcPos } {
    const t = this.tk();
    if (t === 0x2d || t === 0x7e || t === 0x21) {
      const opPos = this.lx.pos();
      this.lx.next();
      if (++this.depth > MAX_NESTING) {
        this.fail(opPos, "memory exhausted (expression nested too deeply)");
      }
      const r = this.unary();
      this.depth--;
      const pos = span(opPos, r.pos);
      const x = toBig(r.v);
      if (t === 0x2d) return { v: norm(-x), pos };
      if (t === 0x7e) return { v: norm(~x), pos };
      return { v: x === 0n ? 1 : 0, pos };
    }
    return this.integerPrim();
  }
}
