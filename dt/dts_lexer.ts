/**
 * The DTS lexer, with the behaviour of dtc 1.6.1's `dtc-lexer.l`: flex's longest-match rule
 * with rule order as tie-break, the start conditions INITIAL/V1/BYTESTRING/PROPNODENAME and their
 * transitions, `/include/ "file"` handled here (so it works mid-statement), cpp line markers
 * (`# N "file" flags`, `#line N "file"`) at the beginning of a line, comments, and dtc's source
 * positions (1-based lines, byte columns, end column one past the token).
 *
 * Text is handled as Latin-1 strings (one char per byte), so every byte of the input survives and
 * columns count bytes as dtc's do. A NUL byte outside strings and comments is returned as end of
 * input, as flex's `.` rule hands dtc's parser the character 0; so is a byte >= 0x80, which that
 * rule returns as a negative `char` on x86 builds of dtc (the reference, Debian's amd64 1.6.1) and
 * bison reads as end of input (an arm64 build, with unsigned `char`, reports a syntax error).
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { decodeEscapesChecked, escapeChar, type SrcPos, srcposStart } from "./livetree.ts";

/** Token codes; single characters are their char code (1..255), 0 is end of input. */
export const T = {
  EOF: 0,
  V1: 256,
  PLUGIN: 257,
  MEMRESERVE: 258,
  LSHIFT: 259,
  RSHIFT: 260,
  LE: 261,
  GE: 262,
  EQ: 263,
  NE: 264,
  AND: 265,
  OR: 266,
  BITS: 267,
  DEL_PROP: 268,
  DEL_NODE: 269,
  OMIT_NO_REF: 270,
  PROPNODENAME: 271,
  LITERAL: 272,
  CHAR_LITERAL: 273,
  BYTE: 274,
  STRING: 275,
  LABEL: 276,
  LABEL_REF: 277,
  PATH_REF: 278,
  INCBIN: 279,
} as const;

/** Human names of tokens for syntax error messages. */
export function tokenName(t: number): string {
  switch (t) {
    case T.EOF:
      return "end of input";
    case T.V1:
      return "/dts-v1/";
    case T.PLUGIN:
      return "/plugin/";
    case T.MEMRESERVE:
      return "/memreserve/";
    case T.LSHIFT:
      return "'<<'";
    case T.RSHIFT:
      return "'>>'";
    case T.LE:
      return "'<='";
    case T.GE:
      return "'>='";
    case T.EQ:
      return "'=='";
    case T.NE:
      return "'!='";
    case T.AND:
      return "'&&'";
    case T.OR:
      return "'||'";
    case T.BITS:
      return "/bits/";
    case T.DEL_PROP:
      return "/delete-property/";
    case T.DEL_NODE:
      return "/delete-node/";
    case T.OMIT_NO_REF:
      return "/omit-if-no-ref/";
    case T.PROPNODENAME:
      return "a property or node name";
    case T.LITERAL:
      return "an integer";
    case T.CHAR_LITERAL:
      return "a character literal";
    case T.BYTE:
      return "a byte";
    case T.STRING:
      return "a string";
    case T.LABEL:
      return "a label";
    case T.LABEL_REF:
      return "a label reference";
    case T.PATH_REF:
      return "a path reference";
    case T.INCBIN:
      return "/incbin/";
    default:
      return t >= 0x20 && t < 0x7f
        ? `'${String.fromCharCode(t)}'`
        : `character 0x${t.toString(16)}`;
  }
}

/** File access and search paths shared by the lexer (`/include/`) and the parser (`/incbin/`). */
export interface SourceAccess {
  /** Read a file; undefined when it does not exist. */
  readFile: (path: string) => Uint8Array | undefined;
  /** Directories searched after the including file's directory (dtc `-i`). */
  includeDirs: string[];
}

/** Kinds of skipped lexemes (see `DtsLexer.skipped`). */
const SKIP_NONE = 0;
const SKIP_WS = 1;
const SKIP_BLOCK = 2;
const SKIP_LINE = 3;

/** Start conditions. */
const S_INITIAL = 0;
const S_V1 = 1;
const S_BYTESTRING = 2;
const S_PROPNODENAME = 3;

/** dtc's MAX_SRCFILE_DEPTH. */
const MAX_SRCFILE_DEPTH = 200;

/** Bound on the number of `/include/`s in one compile. */
const MAX_INCLUDES = 100_000;

interface SrcFile {
  text: string;
  pos: number;
  /** Name used in positions (changed by line markers). */
  name: string;
  /** Directory of the opened path (dtc `get_dirname`), for relative opens. */
  dir: string | null;
  line: number;
  /** Index of the first character of the current line (column 1); may be "virtual". */
  lineStart: number;
}

/** Whether every byte is below 0x80 (four at a time over the aligned middle). */
function isAscii(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  const head = Math.min(n, (4 - (b.byteOffset & 3)) & 3);
  for (; i < head; i++) if (b[i] & 0x80) return false;
  const words = (n - i) >> 2;
  if (words > 0) {
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let k = 0; k < words; k++) if (w[k] & 0x80808080) return false;
    i += words * 4;
  }
  for (; i < n; i++) if (b[i] & 0x80) return false;
  return true;
}

/** Latin-1 string of bytes. */
export function bytesToLatin1(b: Uint8Array): string {
  // ASCII is the common case: the native decoder is much faster.
  if (isAscii(b)) return ASCII.decode(b);
  let s = "";
  const CH = 8192;
  for (let i = 0; i < b.length; i += CH) {
    s += String.fromCharCode.apply(
      null,
      b.subarray(i, Math.min(b.length, i + CH)) as unknown as number[],
    );
  }
  return s;
}

const ASCII = new TextDecoder("utf-8");

/** dtc `get_dirname`: the path before the last '/', or null. */
export function dirnameOf(path: string): string | null {
  const i = path.lastIndexOf("/");
  return i < 0 ? null : path.slice(0, i);
}

/** dtc `join_path`. */
export function joinPath(dir: string, name: string): string {
  return dir.length > 0 && dir.endsWith("/") ? dir + name : dir + "/" + name;
}

/**
 * dtc `srcfile_relative_open`: `fname` as is when absolute or when there is no current
 * directory, else relative to `curDir`; then each search directory. Returns the full name used
 * and the bytes, or undefined.
 */
export function openRelative(
  access: SourceAccess,
  curDir: string | null,
  fname: string,
): { path: string; bytes: Uint8Array } | undefined {
  const first = !curDir || fname.startsWith("/") ? fname : joinPath(curDir, fname);
  let bytes = access.readFile(first);
  if (bytes) return { path: first, bytes };
  for (const d of access.includeDirs) {
    const p = fname.startsWith("/") ? fname : joinPath(d, fname);
    bytes = access.readFile(p);
    if (bytes) return { path: p, bytes };
  }
  return undefined;
}

/** Character classes, one bit each, indexed by char code (0..255). */
const CC_PROPNODE = 1; // [a-zA-Z0-9,._+*#?@-]
const CC_LABEL_START = 2; // [a-zA-Z_]
const CC_LABEL = 4; // [a-zA-Z0-9_]
const CC_HEX = 8;
const CC_SPACE = 16; // [[:space:]]
const CC_DIGIT = 32;
const CCLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  let v = 0;
  if (/[a-zA-Z0-9,._+*#?@-]/.test(ch)) v |= CC_PROPNODE;
  if (/[a-zA-Z_]/.test(ch)) v |= CC_LABEL_START;
  if (/[a-zA-Z0-9_]/.test(ch)) v |= CC_LABEL;
  if (/[0-9a-fA-F]/.test(ch)) v |= CC_HEX;
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) v |= CC_SPACE;
  if (c >= 0x30 && c <= 0x39) v |= CC_DIGIT;
  CCLASS[c] = v;
}

function cc(c: number): number {
  return c < 256 ? CCLASS[c] : 0;
}

function isPropNodeChar(c: number): boolean {
  return (cc(c) & CC_PROPNODE) !== 0;
}

function isHex(c: number): boolean {
  return (cc(c) & CC_HEX) !== 0;
}

const KEYWORDS: Array<[string, number]> = [
  ["/dts-v1/", T.V1],
  ["/plugin/", T.PLUGIN],
  ["/memreserve/", T.MEMRESERVE],
  ["/bits/", T.BITS],
  ["/delete-property/", T.DEL_PROP],
  ["/delete-node/", T.DEL_NODE],
  ["/omit-if-no-ref/", T.OMIT_NO_REF],
];

const U64_MAX = (1n << 64n) - 1n;

/** The DTS lexer. Call {@link DtsLexer.next}; token data is in the public fields. */
export class DtsLexer {
  /** Current token code. */
  tok: number = T.EOF;
  /** Text value: names, labels, references (without `&`, `{`, `}`). */
  str = "";
  /** Integer value of LITERAL/CHAR_LITERAL/BYTE when it fits a double exactly. */
  num = 0;
  /** Integer value of LITERAL when above 2^53 (else null). */
  big: bigint | null = null;
  /** A STRING token's content is `text[strStart, strEnd)` of {@link srcText}. */
  strStart = 0;
  /** End of a STRING token's content. */
  strEnd = 0;
  /** The STRING token has no escapes: its bytes are the source characters. */
  strPlain = true;

  /** The text of the file being lexed (Latin-1). */
  get srcText(): string {
    return this.text;
  }

  /** The bytes of the current STRING token (escapes decoded, NUL appended). */
  stringBytes(): Uint8Array {
    if (!this.strPlain) return stringBytes(this.text, this.strStart, this.strEnd)!;
    const n = this.strEnd - this.strStart;
    const out = new Uint8Array(n + 1);
    for (let k = 0; k < n; k++) out[k] = this.text.charCodeAt(this.strStart + k);
    return out;
  }
  /** File of the current token. */
  file = "";
  /** First line of the current token. */
  firstLine = 1;
  /** First column of the current token. */
  firstCol = 1;
  /** Last line of the current token. */
  lastLine = 1;
  /** Column after the current token. */
  lastCol = 1;

  private state = S_INITIAL;
  private stack: SrcFile[] = [];
  private includes = 0;
  // The skipped lexeme (whitespace run, comment run) since the last token, if any: flex matched
  // it last, so it is dtc's `yylloc` when end of input follows (syntax errors there point at it).
  private skipKind = SKIP_NONE;
  private skipLine = 1;
  private skipCol = 1;
  private skipFile = "";
  // Whether flex matched anything yet (dtc's `yylloc` is 0.0 for an empty input).
  private matched = false;
  private access: SourceAccess;
  // The current file, unpacked for speed.
  private text: string;
  private p = 0;
  private line = 1;
  private lineStart = 0;
  private name: string;
  private dir: string | null;

  /** Start lexing `text` (Latin-1) as file `name`. */
  constructor(name: string, text: string, access: SourceAccess) {
    this.access = access;
    this.text = text;
    this.name = name;
    this.dir = dirnameOf(name);
    this.file = name;
  }

  /** The directory of the file being lexed (for `/incbin/`). */
  get currentDir(): string | null {
    return this.dir;
  }

  /** The span of the current token. */
  pos(): SrcPos {
    return {
      file: this.file,
      line: this.firstLine,
      col: this.firstCol,
      lastLine: this.lastLine,
      lastCol: this.lastCol,
    };
  }

  /** Throw a lexical error at the current token. */
  private fail(msg: string): never {
    throw new InputError(srcposStart(this.pos()), msg);
  }

  /** Move to `end`, counting newlines between the current position and `end`. */
  private moveTo(end: number): void {
    const t = this.text;
    for (let i = this.p; i < end; i++) {
      if (t.charCodeAt(i) === 0x0a) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.p = end;
  }

  /** Note a skipped lexeme; back-to-back comments of one kind are one flex match (`{COMMENT}+`). */
  private skipped(kind: number, line: number, col: number): void {
    this.matched = true;
    if (kind === this.skipKind && kind !== SKIP_WS) return;
    this.skipKind = kind;
    this.skipLine = line;
    this.skipCol = col;
    this.skipFile = this.name;
  }

  /** Begin a token at the current position. */
  private begin(): void {
    this.matched = true;
    this.skipKind = SKIP_NONE;
    this.file = this.name;
    this.firstLine = this.line;
    this.firstCol = this.p - this.lineStart + 1;
  }

  /** End a token of length `n` (no newlines inside) — the fast path. */
  private endFlat(n: number): void {
    this.p += n;
    this.lastLine = this.line;
    this.lastCol = this.p - this.lineStart + 1;
  }

  /** End a token of length `n` that may contain newlines. */
  private endAny(n: number): void {
    this.moveTo(this.p + n);
    this.lastLine = this.line;
    this.lastCol = this.p - this.lineStart + 1;
  }

  /** Lex the next token; returns its code (also in {@link tok}). */
  next(): number {
    for (;;) {
      const t = this.text;
      let i = this.p;
      // Whitespace (<*>{WS}+).
      let c = 0;
      const wsLine = this.line, wsCol = i - this.lineStart + 1;
      while (i < t.length) {
        c = t.charCodeAt(i);
        if (c > 0x20 || (cc(c) & CC_SPACE) === 0) break;
        if (c === 0x0a) {
          this.line++;
          this.lineStart = i + 1;
        }
        i++;
      }
      if (i > this.p) this.skipped(SKIP_WS, wsLine, wsCol);
      this.p = i;
      if (i >= t.length) {
        if (this.stack.length === 0) {
          // End of input: dtc's location is the last lexeme flex matched.
          if (this.skipKind !== SKIP_NONE) {
            this.file = this.skipFile;
            this.firstLine = this.skipLine;
            this.firstCol = this.skipCol;
          } else if (!this.matched) {
            this.file = this.name;
            this.firstLine = this.firstCol = 0;
          }
          this.lastLine = this.line;
          this.lastCol = i - this.lineStart + 1;
          this.tok = T.EOF;
          return T.EOF;
        }
        const f = this.stack.pop()!;
        this.text = f.text;
        this.p = f.pos;
        this.line = f.line;
        this.lineStart = f.lineStart;
        this.name = f.name;
        this.dir = f.dir;
        continue;
      }
      // Comments ({COMMENT}+, {LINECOMMENT}+).
      if (c === 0x2f) {
        const c1 = t.charCodeAt(i + 1);
        if (c1 === 0x2a) {
          const end = t.indexOf("*/", i + 2);
          if (end >= 0) {
            this.skipped(SKIP_BLOCK, this.line, i - this.lineStart + 1);
            this.moveTo(end + 2);
            continue;
          }
        } else if (c1 === 0x2f) {
          const nl = t.indexOf("\n", i + 2);
          if (nl >= 0) {
            this.skipped(SKIP_LINE, this.line, i - this.lineStart + 1);
            this.moveTo(nl + 1);
            continue;
          }
        }
        const r = this.lexSlash(i);
        if (r >= 0) return r;
        continue;
      }
      const r = this.lexToken(c, i);
      if (r >= 0) return r;
    }
  }

  /** Tokens starting with '/' that are not comments. Returns -1 after an /include/. */
  private lexSlash(i: number): number {
    const t = this.text;
    this.begin();
    // /include/{WS}*{STRING}
    if (t.startsWith("/include/", i)) {
      let j = i + 9;
      while (j < t.length && (cc(t.charCodeAt(j)) & CC_SPACE)) j++;
      if (t.charCodeAt(j) === 0x22) {
        const end = scanString(t, j);
        if (end > 0) {
          const name = t.slice(j + 1, end - 1);
          this.endAny(end - i);
          this.pushInclude(name);
          return -1;
        }
      }
    }
    for (const [kw, code] of KEYWORDS) {
      if (t.startsWith(kw, i)) {
        this.endFlat(kw.length);
        if (code === T.V1 || code === T.MEMRESERVE || code === T.BITS) this.state = S_V1;
        else if (code === T.DEL_PROP || code === T.DEL_NODE || code === T.OMIT_NO_REF) {
          this.state = S_PROPNODENAME;
        }
        this.tok = code;
        return code;
      }
    }
    if (
      (this.state === S_INITIAL || this.state === S_V1) && t.startsWith("/incbin/", i)
    ) {
      this.endFlat(8);
      this.tok = T.INCBIN;
      return T.INCBIN;
    }
    this.endFlat(1);
    this.tok = 0x2f;
    return 0x2f;
  }

  private pushInclude(name: string): void {
    if (this.stack.length + 1 >= MAX_SRCFILE_DEPTH) this.fail("Includes nested too deeply");
    // A bound on the total (dtc has none): files including a file twice at every level would
    // otherwise take exponential time within the depth limit.
    if (++this.includes > MAX_INCLUDES) this.fail(`More than ${MAX_INCLUDES} /include/s`);
    const opened = openRelative(this.access, this.dir, name);
    if (!opened) this.fail(`Couldn't open "${name}": No such file or directory`);
    this.stack.push({
      text: this.text,
      pos: this.p,
      name: this.name,
      dir: this.dir,
      line: this.line,
      lineStart: this.lineStart,
    });
    this.text = bytesToLatin1(opened.bytes);
    this.p = 0;
    this.line = 1;
    this.lineStart = 0;
    this.name = opened.path;
    this.dir = dirnameOf(opened.path);
  }

  /** Every token not starting with whitespace, a comment or '/'. */
  private lexToken(c: number, i: number): number {
    const t = this.text;
    const st = this.state;
    this.begin();
    const cls = cc(c);

    // Identifier-like runs: names (PROPNODENAME), labels, bytes, integers.
    if (cls & (CC_PROPNODE | CC_LABEL_START)) {
      if (st === S_PROPNODENAME) {
        // Name chars include all label chars; a label wins when ':' follows a label-only run.
        let j = i + 1;
        let labelOnly = (cls & CC_LABEL_START) !== 0;
        while (j < t.length) {
          const k = cc(t.charCodeAt(j));
          if ((k & CC_PROPNODE) === 0) break;
          if ((k & CC_LABEL) === 0) labelOnly = false;
          j++;
        }
        if (labelOnly && t.charCodeAt(j) === 0x3a) {
          this.str = t.slice(i, j);
          this.endFlat(j + 1 - i);
          this.tok = T.LABEL;
          return T.LABEL;
        }
        if (
          !(c === 0x23 && (i === 0 || t.charCodeAt(i - 1) === 0x0a) && matchLineMarker(t, i) > 0)
        ) {
          this.str = t.slice(i, j);
          this.endFlat(j - i);
          this.state = S_V1;
          this.tok = T.PROPNODENAME;
          return T.PROPNODENAME;
        }
      } else if (st === S_V1 && (cls & CC_DIGIT)) {
        return this.lexInteger(i);
      } else if (st === S_BYTESTRING && (cls & CC_HEX) && isHex(t.charCodeAt(i + 1))) {
        // A label "ab:" (3 chars) is longer than the byte "ab".
        if (!(cls & CC_LABEL_START) || !this.labelAt(i)) {
          this.num = (digitValue(c) << 4) | digitValue(t.charCodeAt(i + 1));
          this.endFlat(2);
          this.tok = T.BYTE;
          return T.BYTE;
        }
      }
      if (cls & CC_LABEL_START) {
        const len = this.labelAt(i);
        if (len > 0) {
          this.str = t.slice(i, i + len - 1);
          this.endFlat(len);
          this.tok = T.LABEL;
          return T.LABEL;
        }
      }
    }

    switch (c) {
      case 0x23: // '#': cpp line markers, only at the beginning of a line.
        if (i === 0 || t.charCodeAt(i - 1) === 0x0a) {
          const len = matchLineMarker(t, i);
          if (len > 0) {
            this.applyLineMarker(t.slice(i, i + len));
            return -1;
          }
        }
        break;
      case 0x22: { // STRING
        const end = scanString(t, i);
        if (end > 0) {
          this.endAny(end - i);
          this.strStart = i + 1;
          this.strEnd = end - 1;
          this.strPlain = true;
          for (let k = i + 1; k < end - 1; k++) {
            if (t.charCodeAt(k) === 0x5c) {
              this.strPlain = false;
              break;
            }
          }
          if (!this.strPlain && !escapesValid(t, i + 1, end - 1)) {
            this.fail("\\x used with no following hex digits");
          }
          this.tok = T.STRING;
          return T.STRING;
        }
        break;
      }
      case 0x27: { // CHAR_LITERAL
        const end = scanCharLiteral(t, i);
        if (end > 0) {
          this.endAny(end - i);
          const d = decodeEscapesChecked(t.slice(i + 1, end - 1));
          if (d === null) this.fail("\\x used with no following hex digits");
          if (d.length === 0) this.fail("Empty character literal");
          if (d.length > 1) this.fail(`Character literal has ${d.length} characters instead of 1`);
          this.num = d.charCodeAt(0) & 0xff;
          this.big = null;
          this.tok = T.CHAR_LITERAL;
          return T.CHAR_LITERAL;
        }
        break;
      }
      case 0x26: { // & : &LABEL, &{/path}, &&
        const c1 = t.charCodeAt(i + 1);
        if (cc(c1) & CC_LABEL_START) {
          let j = i + 2;
          while (j < t.length && (cc(t.charCodeAt(j)) & CC_LABEL)) j++;
          this.str = t.slice(i + 1, j);
          this.endFlat(j - i);
          this.tok = T.LABEL_REF;
          return T.LABEL_REF;
        }
        if (c1 === 0x7b) {
          // &{PATHCHAR*} — dtc 1.6.1 requires a leading '/'; label-relative paths
          // (&{label/sub}) are dtc 1.7.0 syntax and accepted too.
          let j = i + 2;
          while (j < t.length && (isPropNodeChar(t.charCodeAt(j)) || t.charCodeAt(j) === 0x2f)) j++;
          if (t.charCodeAt(j) === 0x7d && j > i + 2) {
            this.str = t.slice(i + 2, j);
            this.endFlat(j + 1 - i);
            this.tok = T.PATH_REF;
            return T.PATH_REF;
          }
        }
        if (c1 === 0x26) return this.op(T.AND);
        break;
      }
      case 0x3c: // <
        if (t.charCodeAt(i + 1) === 0x3c) return this.op(T.LSHIFT);
        if (t.charCodeAt(i + 1) === 0x3d) return this.op(T.LE);
        break;
      case 0x3e: // >
        if (t.charCodeAt(i + 1) === 0x3e) return this.op(T.RSHIFT);
        if (t.charCodeAt(i + 1) === 0x3d) return this.op(T.GE);
        break;
      case 0x3d: // =
        if (t.charCodeAt(i + 1) === 0x3d) return this.op(T.EQ);
        break;
      case 0x21: // !
        if (t.charCodeAt(i + 1) === 0x3d) return this.op(T.NE);
        break;
      case 0x7c: // |
        if (t.charCodeAt(i + 1) === 0x7c) return this.op(T.OR);
        break;
      case 0x5d: // ]
        if (st === S_BYTESTRING) {
          this.endFlat(1);
          this.state = S_V1;
          this.tok = 0x5d;
          return 0x5d;
        }
        break;
      case 0x5c: // \name in PROPNODENAME
        if (st === S_PROPNODENAME && isPropNodeChar(t.charCodeAt(i + 1))) {
          let j = i + 2;
          while (j < t.length && isPropNodeChar(t.charCodeAt(j))) j++;
          this.str = t.slice(i + 1, j);
          this.endFlat(j - i);
          this.state = S_V1;
          this.tok = T.PROPNODENAME;
          return T.PROPNODENAME;
        }
        break;
    }

    // <*>. : one character (newline is whitespace and never gets here).
    this.endFlat(1);
    if (c === 0x5b) this.state = S_BYTESTRING;
    else if (c === 0x7b || c === 0x3b) this.state = S_PROPNODENAME;
    // A NUL byte is token 0, and a byte >= 0x80 a negative token (flex's `yytext[0]` is a signed
    // char on x86): dtc's (bison) parser takes both as the end of input.
    if (c >= 0x80) c = T.EOF;
    this.tok = c;
    return c;
  }

  /** `{LABEL}:` at `i`: the match length including ':', or 0. */
  private labelAt(i: number): number {
    const t = this.text;
    let j = i + 1;
    while (j < t.length && (cc(t.charCodeAt(j)) & CC_LABEL)) j++;
    return t.charCodeAt(j) === 0x3a ? j + 1 - i : 0;
  }

  private op(code: number): number {
    this.endFlat(2);
    this.tok = code;
    return code;
  }

  /** `<V1>([0-9]+|0[xX][0-9a-fA-F]+)(U|L|UL|LL|ULL)?` parsed with `strtoull(.., 0)`. */
  private lexInteger(i: number): number {
    const t = this.text;
    // Fast path: 0x followed by 1..8 hex digits and then a character that ends the literal.
    if (t.charCodeAt(i) === 0x30 && (t.charCodeAt(i + 1) | 0x20) === 0x78) {
      let v = 0;
      let j = i + 2;
      const lim = Math.min(t.length, i + 10);
      while (j < lim) {
        const d = HEXVAL[t.charCodeAt(j) & 0xff];
        if (d < 0 || t.charCodeAt(j) > 0xff) break;
        v = v * 16 + d;
        j++;
      }
      const next = j < t.length ? t.charCodeAt(j) : 0x20;
      if (j > i + 2 && HEXVAL[next & 0xff] < 0 && next !== 0x55 && next !== 0x4c) {
        this.endFlat(j - i);
        this.big = null;
        this.num = v;
        this.tok = T.LITERAL;
        return T.LITERAL;
      }
    }
    let j = i;
    while (j < t.length && (cc(t.charCodeAt(j)) & CC_DIGIT)) j++;
    let hexEnd = 0;
    if (
      t.charCodeAt(i) === 0x30 && (t.charCodeAt(i + 1) | 0x20) === 0x78 &&
      isHex(t.charCodeAt(i + 2))
    ) {
      let k = i + 2;
      while (k < t.length && isHex(t.charCodeAt(k))) k++;
      hexEnd = k;
    }
    const digitsEnd = hexEnd > j ? hexEnd : j;
    let end = digitsEnd;
    // Suffix, longest of U, L, UL, LL, ULL.
    const s1 = t.charCodeAt(end), s2 = t.charCodeAt(end + 1), s3 = t.charCodeAt(end + 2);
    if (s1 === 0x55 && s2 === 0x4c && s3 === 0x4c) end += 3;
    else if ((s1 === 0x55 && s2 === 0x4c) || (s1 === 0x4c && s2 === 0x4c)) end += 2;
    else if (s1 === 0x55 || s1 === 0x4c) end += 1;
    this.endFlat(end - i);
    this.big = null;
    this.tok = T.LITERAL;
    // strtoull(text, &e, 0): hex after 0x, octal after a leading 0, else decimal.
    let base = 10;
    let k = i;
    if (t.charCodeAt(i) === 0x30) {
      if (hexEnd > j) {
        base = 16;
        k = i + 2;
      } else {
        base = 8;
      }
    }
    let e = k;
    let v = 0;
    while (e < digitsEnd) {
      const d = digitValue(t.charCodeAt(e));
      if (d >= base) break;
      v = v * base + d;
      e++;
    }
    if (e < end) {
      // Only U/L may follow the digits.
      for (let q = e; q < end; q++) {
        const ch = t.charCodeAt(q);
        if (ch !== 0x55 && ch !== 0x4c) this.fail(`Bad integer literal '${t.slice(i, end)}'`);
      }
    }
    if (e - k > 12) {
      const vb = BigInt((base === 16 ? "0x" : base === 8 ? "0o" : "") + t.slice(k, e));
      if (vb > U64_MAX) this.fail(`Integer literal '${t.slice(i, end)}' out of range`);
      if (vb > 0x1fffffffffffffn) this.big = vb;
      v = Number(vb);
    }
    this.num = v;
    return T.LITERAL;
  }

  /** Handle a line marker: rename the current file and set the next line's number. */
  private applyLineMarker(text: string): void {
    this.endAny(text.length);
    let k = 1;
    while (text.charCodeAt(k) < 0x30 || text.charCodeAt(k) > 0x39) k++;
    let n = 0;
    while (k < text.length && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) {
      n = (n * 10 + text.charCodeAt(k) - 0x30) | 0;
      k++;
    }
    const q1 = text.indexOf('"');
    const q2 = text.lastIndexOf('"');
    const fn = decodeEscapesChecked(text.slice(q1 + 1, q2));
    if (fn === null) this.fail("\\x used with no following hex digits");
    if (fn.indexOf("\0") >= 0) this.fail("nul in line number directive");
    this.name = fn;
    // "-1 since #line is the number of the next line"
    this.line = n - 1;
  }
}

/** Hex digit values by char code (-1 for non-digits). */
const HEXVAL = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEXVAL[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEXVAL[0x61 + c] = 10 + c;
  HEXVAL[0x41 + c] = 10 + c;
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 99;
}

/** `\"([^\\"]|\\.)*\"` from `i` (a quote): index after the closing quote, or -1. */
function scanString(t: string, i: number): number {
  let j = i + 1;
  for (;;) {
    if (j >= t.length) return -1;
    const c = t.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      // `\\.`: '.' excludes newline.
      if (j + 1 >= t.length || t.charCodeAt(j + 1) === 0x0a) return -1;
      j += 2;
      continue;
    }
    j++;
  }
}

/**
 * `'([^']|\\')*'` with flex's longest match: the literal ends at the first quote not preceded
 * by a backslash, or, when every later quote is escaped, at the last of them.
 */
function scanCharLiteral(t: string, i: number): number {
  let lastEscaped = -1;
  let j = i + 1;
  for (;;) {
    const q = t.indexOf("'", j);
    if (q < 0) return lastEscaped >= 0 ? lastEscaped + 1 : -1;
    if (t.charCodeAt(q - 1) !== 0x5c || q - 1 === i) return q + 1;
    lastEscaped = q;
    j = q + 1;
  }
}

/** Whether every escape in `t[start, end)` is valid (dtc dies on `\\x` without hex digits). */
function escapesValid(t: string, start: number, end: number): boolean {
  let k = start;
  while (k < end) {
    if (t.charCodeAt(k++) !== 0x5c) continue;
    const r = escapeChar(t, k, end);
    if (r.badHex) return false;
    k = r.next;
  }
  return true;
}

/** Bytes of a string literal's content `t[start, end)` with dtc escapes, NUL-terminated. */
function stringBytes(t: string, start: number, end: number): Uint8Array | null {
  let plain = true;
  for (let k = start; k < end; k++) {
    if (t.charCodeAt(k) === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) {
    const out = new Uint8Array(end - start + 1);
    for (let k = start; k < end; k++) out[k - start] = t.charCodeAt(k);
    return out;
  }
  const out: number[] = [];
  let k = start;
  while (k < end) {
    const c = t.charCodeAt(k++);
    if (c !== 0x5c) {
      out.push(c & 0xff);
      continue;
    }
    const r = escapeChar(t, k, end);
    if (r.badHex) return null;
    out.push(r.value);
    k = r.next;
  }
  out.push(0);
  return Uint8Array.from(out);
}

/**
 * `^"#"(line)?[ \t]+[0-9]+[ \t]+{STRING}([ \t]+[0-9]+)*` at `i`: the match length, or 0.
 */
function matchLineMarker(t: string, i: number): number {
  let j = i + 1;
  if (t.startsWith("line", j)) {
    const k = j + 4;
    if (t.charCodeAt(k) === 0x20 || t.charCodeAt(k) === 0x09) j = k;
  }
  const ws = (k: number) => {
    let m = k;
    while (t.charCodeAt(m) === 0x20 || t.charCodeAt(m) === 0x09) m++;
    return m;
  };
  let k = ws(j);
  if (k === j) return 0;
  const d0 = k;
  while (t.charCodeAt(k) >= 0x30 && t.charCodeAt(k) <= 0x39) k++;
  if (k === d0) return 0;
  const k2 = ws(k);
  if (k2 === k || t.charCodeAt(k2) !== 0x22) return 0;
  const se = scanString(t, k2);
  if (se < 0) return 0;
  let end = se;
  for (;;) {
    const w = ws(end);
    if (w === end) break;
    let d = w;
    while (t.charCodeAt(d) >= 0x30 && t.charCodeAt(d) <= 0x39) d++;
    if (d === w) break;
    end = d;
  }
  return end - i;
}
