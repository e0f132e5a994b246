/**
 * A C preprocessor with the semantics and the output of GCC 12's
 * `cpp -nostdinc -undef -x assembler-with-cpp` (what Linux runs on board files before dtc):
 * `#include "..."`/`<...>`/`#include_next` with `-I` search and include-guard/`#pragma once`
 * skipping, object- and function-like macros (variadic with `__VA_ARGS__`, GNU `, ## args`,
 * `__VA_OPT__`, `#` stringify, `##` paste, nested expansion with the "blue paint" rule),
 * `#undef`, `#if/#ifdef/#ifndef/#elif/#elifdef/#elifndef/#else/#endif` with full integer
 * expressions (`defined`, `__has_include`), `#error`, `#warning`, `#line`, `#pragma once`,
 * `-D NAME[=VALUE]`, comments, backslash continuations, and the assembler-mode tolerances: lines
 * like `#address-cells = <1>;` are not directives and pass through (macros in them are still
 * expanded), an unmatched `'` or `"` makes the rest of the line one opaque token, and invalid
 * `##` pastes are kept as two tokens.
 *
 * The output reproduces libcpp's token spacing (padding tokens, `cpp_avoid_paste`, first-token
 * columns) and its line markers (`# N "file" 1|2`, blank lines for gaps under 8 lines), so dtc's
 * positions and messages on the preprocessed text are the same as with the real `cpp`.
 * Sources: gcc/c-family/c-ppoutput.cc (token_streamer, maybe_print_line, pp_file_change) and
 * libcpp's lex.cc, macro.cc, directives.cc, expr.cc, files.cc.
 *
 * No I/O: files come from the `readFile` callback. Errors are {@link InputError}s located at
 * `file:line:col`; GCC warnings are returned as text lines.
 *
 * @module
 */

import { InputError } from "../errors.ts";

/** Options for {@link preprocess}. */
export interface CppOptions {
  /** Reads a file; undefined when it does not exist (or is not a regular file). */
  readFile: (path: string) => Uint8Array | undefined;
  /** `-I` directories, searched in order for `<...>` (and after the current directory for "..."). */
  includeDirs?: string[];
  /** `-D` definitions in order: `NAME` (defined as 1) or `NAME=VALUE`. */
  defines?: string[];
  /** `-U` names, applied after the definitions. */
  undefines?: string[];
  /**
   * Bound on the tokens macro expansion may produce (default 10 000 000; real boards produce
   * about 10^5): beyond it, an exponential expansion ends in an InputError.
   */
  maxExpansionTokens?: number;
}

/** The result of preprocessing. */
export interface CppResult {
  /** Preprocessed text (Latin-1, one char per byte) with `# N "file" flags` line markers. */
  text: string;
  /** GCC-style warning lines (`file:line:col: warning: ...`). */
  warnings: string[];
  /** Every file read, in first-read order (for dependency output). */
  files: string[];
}

// ---- tokens ------------------------------------------------------------------------------

// Operator types in libcpp's order: everything up to LSHIFT pastes with '=' (CPP_LAST_EQ).
const EQ = 0, NOT = 1, GREATER = 2, LESS = 3, PLUS = 4, MINUS = 5, MULT = 6, DIV = 7, MOD = 8;
const AND = 9, OR = 10, XOR = 11, RSHIFT = 12, LSHIFT = 13;
const COMPL = 14, AND_AND = 15, OR_OR = 16, QUERY = 17, COLON = 18, COMMA = 19;
const OPEN_PAREN = 20, CLOSE_PAREN = 21, EOF = 22, EQ_EQ = 23, NOT_EQ = 24, GREATER_EQ = 25;
const LESS_EQ = 26, PLUS_EQ = 27, MINUS_EQ = 28, MULT_EQ = 29, DIV_EQ = 30, MOD_EQ = 31;
const AND_EQ = 32, OR_EQ = 33, XOR_EQ = 34, RSHIFT_EQ = 35, LSHIFT_EQ = 36, HASH = 37;
const PASTE = 38, OPEN_SQUARE = 39, CLOSE_SQUARE = 40, OPEN_BRACE = 41, CLOSE_BRACE = 42;
const SEMICOLON = 43, ELLIPSIS = 44, PLUS_PLUS = 45, MINUS_MINUS = 46, DEREF = 47, DOT = 48;
const LAST_OPERATOR = DOT;
const NAME = 50, NUMBER = 51, CHAR = 52, WCHAR = 53, OTHER = 54, STRING = 55, WSTRING = 56;
const HEADER_NAME = 57, MACRO_ARG = 58, PADDING = 59;

// Token flags (libcpp's names).
const PREV_WHITE = 1;
const STRINGIFY_ARG = 4;
const PASTE_LEFT = 8;
const BOL = 64;
const NO_EXPAND = 1024;

/** A preprocessing token. */
interface Tok {
  type: number;
  /** Spelling. */
  text: string;
  flags: number;
  /** Physical line and 1-based byte column of the first character (lexer tokens). */
  line: number;
  col: number;
  /** File the token was lexed from (null for synthesized tokens). */
  buf: Buf | null;
  /** Parameter index (1-based) for MACRO_ARG. */
  arg?: number;
  /** Source of spacing for PADDING (null: "avoid paste"). */
  source?: Tok | null;
}

/**
 * GCC's diagnostic column (`-fdiagnostics-column-unit=display`) for byte column `col` of
 * physical line `line`: tabs advance to the next multiple of 8, a UTF-8 sequence counts one.
 */
function displayColumn(text: string, line: number, col: number): number {
  let i = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf("\n", i);
    if (nl < 0) return col;
    i = nl + 1;
  }
  const end = Math.min(text.length, i + col - 1);
  let d = 0;
  while (i < end) {
    const c = text.charCodeAt(i++);
    if (c === 0x09) d = (d & ~7) + 8;
    else {
      d++;
      const extra = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
      let k = 0;
      while (k < extra && i + k < end && (text.charCodeAt(i + k) & 0xc0) === 0x80) k++;
      if (k === extra) i += k;
    }
  }
  return d + 1;
}

/** A source location. */
interface Loc {
  line: number;
  col: number;
  buf: Buf | null;
}

function tok(type: number, text: string, flags = 0): Tok {
  return { type, text, flags, line: 0, col: 0, buf: null };
}

function padding(source: Tok | null): Tok {
  return { type: PADDING, text: "", flags: 0, line: 0, col: 0, buf: null, source };
}

const AVOID_PASTE = padding(null);

function isOperator(t: number): boolean {
  return t <= LAST_OPERATOR && t !== EOF;
}

/** libcpp `cpp_avoid_paste`: whether printing `b` right after `a` could lex differently. */
function avoidPaste(a: Tok, b: Tok): boolean {
  const ta = a.type, tb = b.type;
  const c = isOperator(tb) ? b.text.charCodeAt(0) : -1;
  if (ta <= LSHIFT && c === 0x3d) return true;
  switch (ta) {
    case GREATER:
      return c === 0x3e;
    case LESS:
      return c === 0x3c || c === 0x25 || c === 0x3a;
    case PLUS:
      return c === 0x2b;
    case MINUS:
      return c === 0x2d || c === 0x3e;
    case DIV:
      return c === 0x2f || c === 0x2a;
    case MOD:
      return c === 0x3a || c === 0x3e;
    case AND:
      return c === 0x26;
    case OR:
      return c === 0x7c;
    case COLON:
      return c === 0x3a || c === 0x3e;
    case DOT:
      return c === 0x2e || c === 0x25 || tb === NUMBER;
    case HASH:
      return c === 0x23 || c === 0x25;
    case NAME:
      return (tb === NUMBER && /^[A-Za-z0-9_$]*$/.test(b.text)) || tb === NAME || tb === CHAR ||
        tb === STRING;
    case NUMBER:
      return tb === NUMBER || tb === NAME || tb === CHAR || c === 0x2e || c === 0x2b || c === 0x2d;
    case LESS_EQ:
      return c === 0x3e;
    case DEREF:
      return c === 0x2a;
    case OTHER:
      return a.text.charCodeAt(0) === 0x5c && tb === NAME;
  }
  return false;
}

// ---- files, buffers, macros --------------------------------------------------------------

/** A search directory (libcpp `cpp_dir`). */
interface Dir {
  name: string;
  next: Dir | null;
  sysp: number;
}

/** A file found by a search (libcpp `_cpp_file`). */
interface CFile {
  path: string;
  dir: Dir;
  /** Directory part of the path with trailing '/' ("" for the current directory). */
  dirName: string;
  text: string | null;
  /** Controlling macro of an include guard. */
  cmacro: string | null;
  onceOnly: boolean;
}

interface IfState {
  line: number;
  skipElses: boolean;
  wasSkipping: boolean;
  type: "if" | "ifdef" | "ifndef" | "elif" | "else";
  miCmacro: string | null;
}

/** An input buffer being lexed (libcpp `cpp_buffer`). */
interface Buf {
  file: CFile | null;
  text: string;
  /** Raw index of the next physical line. */
  next: number;
  /** Current cleaned logical line (without its newline). */
  line: string;
  cur: number;
  /** Cleaned indexes where a backslash-newline was removed. */
  notes: number[];
  noteIdx: number;
  /** Physical line number at `lineBase`. */
  lineNo: number;
  /** Physical line number of the line at `next`. */
  nextLineNo: number;
  lineBase: number;
  needLine: boolean;
  /** Name used in line markers and __FILE__ (changed by #line). */
  name: string;
  ifStack: IfState[];
  sysp: number;
  /** Line of the directive that included this buffer (for the LC_LEAVE marker). */
  includedAt: number;
  /** Offset added to physical line numbers by #line. */
  lineDelta: number;
  /** A synthetic buffer (pasting, builtins): no line accounting. */
  synthetic: boolean;
}

interface Macro {
  name: string;
  funLike: boolean;
  params: string[];
  variadic: boolean;
  tokens: Tok[];
  builtin:
    | ""
    | "__LINE__"
    | "__FILE__"
    | "__BASE_FILE__"
    | "__FILE_NAME__"
    | "__COUNTER__"
    | "__INCLUDE_LEVEL__"
    | "__DATE__"
    | "__TIME__"
    | "__TIMESTAMP__"
    | "_Pragma"
    | "__has_include"
    | "__has_include_next";
  disabled: boolean;
  /** Where it was defined (for redefinition notes). */
  where: string;
}

interface Context {
  tokens: Tok[];
  pos: number;
  macro: Macro | null;
}

interface MacroArg {
  first: Tok[] | null;
  count: number;
  expanded: Tok[] | null;
  stringified: Tok | null;
}

const ENDARG: Tok = tok(EOF, "");

/** Bound on nested macro contexts (libcpp grows them on the heap; we recurse). */
const MAX_CONTEXTS = 3000;

/** Bound on #if sub-expression nesting. */
const MAX_EXPR_DEPTH = 2000;

/** libcpp's max_include_depth. */
const MAX_INCLUDE_DEPTH = 200;

/** Bound on the number of #include directives in one run. */
const MAX_INCLUDES = 100_000;

/**
 * Bound on the tokens macro expansion may produce (argument pre-expansion, substituted bodies
 * and output together): GCC has none and runs out of memory on an exponential expansion; real
 * boards produce around 10^5.
 */
const MAX_EXPANSION_TOKENS = 10_000_000;

function quoteString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\n") out += "\\n";
    else if (c === "\\" || c === '"') out += "\\" + c;
    else out += c;
  }
  return out;
}

function bytesToLatin1(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return new TextDecoder("utf-8").decode(b);
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

/** Identifier start: `$` is not an identifier character in assembler mode (GCC). */
function isIdStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 0x30 && c <= 0x39);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ' ', '\t', '\f', '\v', '\0' */
function isNvspace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0c || c === 0x0b || c === 0;
}

/** Preprocess `text` (Latin-1) as file `file`. */
export function preprocess(file: string, text: string, opts: CppOptions): CppResult {
  const cpp = new Cpp(opts);
  return cpp.run(file, text);
}

/** Skip `}` of a directive-ending error: used to abort on errors. */
class Cpp {
  private readFile: (p: string) => Uint8Array | undefined;
  private macros = new Map<string, Macro>();
  private warnings: string[] = [];
  private filesRead: string[] = [];

  // Search chains.
  private bracket: Dir | null = null;
  private noSearch: Dir = { name: "", next: null, sysp: 0 };
  private dirHash = new Map<string, Dir>();
  /** File cache keyed by fname + NUL + start dir identity. */
  private fileCache = new Map<string, CFile>();
  private dirIds = new Map<Dir, number>();
  private seenOnceOnly = false;
  private allFiles: CFile[] = [];

  // Lexer state.
  private buffers: Buf[] = [];
  private buffer!: Buf;
  private lookaheads: Tok[] = [];
  /**
   * libcpp's `cur_token[-1]`: where the last token lexed from a file is, the location of
   * `cpp_error` diagnostics that name none (macro argument counts, unterminated argument lists).
   */
  private lastLoc: Loc = { line: 0, col: 0, buf: null };
  private prevLoc: Loc = { line: 0, col: 0, buf: null };
  /** Where the newline ending the last line read is: the location of a following EOF token. */
  private eolLoc: Loc = { line: 0, col: 0, buf: null };
  private inDirective = false;
  private angledHeaders = false;
  private directiveWantsPadding = false;
  private parsingArgs = 0;
  private preventExpansion = 0;
  private skipping = false;
  private keepTokens = 0;
  private directiveLine = 0;
  private directiveCol = 0;
  private directiveBuf: Buf | null = null;
  private miValid = false;
  private miCmacro: string | null = null;
  private counter = 0;
  private mainFile = "";
  private mainDir = "";

  // Macro expansion.
  private contexts: Context[] = [];
  private topMostMacro: Macro | null = null;
  private invocationLine = 0;
  private aboutToExpand = false;

  // Output (c-ppoutput's `print`).
  private out: string[] = [];
  private maxTokens: number;
  private includes = 0;
  /** Tokens left under `maxTokens`. */
  private tokenBudget: number;
  private prevTok: Tok | null = null;
  private source: Tok | null = null;
  private srcLine = 1;
  private printed = false;
  private srcFile = "";
  private avoidPasteFlag = false;
  private pushedMacros = new Map<string, Array<Macro | undefined>>();

  constructor(opts: CppOptions) {
    this.readFile = opts.readFile;
    let prev: Dir | null = null;
    for (const d of opts.includeDirs ?? []) {
      const dir: Dir = { name: d, next: null, sysp: 0 };
      if (prev) prev.next = dir;
      else this.bracket = dir;
      prev = dir;
    }
    this.defineBuiltins();
    this.cmdline = { defines: opts.defines ?? [], undefines: opts.undefines ?? [] };
    this.maxTokens = opts.maxExpansionTokens ?? MAX_EXPANSION_TOKENS;
    this.tokenBudget = this.maxTokens;
  }

  private cmdline: { defines: string[]; undefines: string[] };

  private defineBuiltins(): void {
    const b = (name: Macro["builtin"]) =>
      this.macros.set(name, {
        name,
        funLike: false,
        params: [],
        variadic: false,
        tokens: [],
        builtin: name,
        disabled: false,
        where: "<built-in>",
      });
    b("__LINE__");
    b("__FILE__");
    b("__BASE_FILE__");
    b("__FILE_NAME__");
    b("__COUNTER__");
    b("__INCLUDE_LEVEL__");
    b("__DATE__");
    b("__TIME__");
    b("__TIMESTAMP__");
    b("_Pragma");
    b("__has_include");
    b("__has_include_next");
  }

  // ---- errors ----------------------------------------------------------------------------

  private locOf(line: number, col: number, buf: Buf | null = this.buffer): string {
    const name = buf ? buf.name : this.mainFile;
    if (col === 0) return `${name}:${line}`;
    if (buf && !buf.synthetic && col > 1) col = displayColumn(buf.text, line - buf.lineDelta, col);
    return `${name}:${line}:${col}`;
  }

  private errorAt(line: number, col: number, msg: string, buf: Buf | null = this.buffer): never {
    throw new InputError(this.locOf(line, col, buf), msg);
  }

  /**
   * An error in the current directive, where libcpp's `cpp_error` puts it: at the last token
   * read from the file (`cur_token[-1]`), or at the directive when there is none.
   */
  private dirError(msg: string): never {
    const l = this.lastLoc;
    if (l.buf === this.directiveBuf && l.line) this.errorAtLoc(l, msg);
    this.errorAt(this.directiveLine, this.directiveCol, msg, this.directiveBuf);
  }

  /** An error at a token (null or a synthesized token: the last token read from the file). */
  private errorAtTok(msg: string, at: Tok | null): never {
    const l = at && at.buf && at.line ? at : this.lastLoc;
    if (l.buf && l.line) this.errorAtLoc(l, msg);
    this.dirError(msg);
  }

  /** An error at a lexer location (physical line; printed with the `#line` offset). */
  private errorAtLoc(l: Loc, msg: string): never {
    const b = l.buf ?? this.buffer;
    this.errorAt(l.line + b.lineDelta, l.col, msg, b);
  }

  private warnAtLoc(l: Loc, msg: string): void {
    const b = l.buf ?? this.buffer;
    this.warnAt(l.line + b.lineDelta, l.col, msg, b);
  }

  private warnAt(line: number, col: number, msg: string, buf: Buf | null = this.buffer): void {
    this.warnings.push(`${this.locOf(line, col, buf)}: warning: ${msg}`);
  }

  private dirWarn(msg: string): void {
    const l = this.lastLoc;
    if (l.buf === this.directiveBuf && l.line) this.warnAtLoc(l, msg);
    else this.warnAt(this.directiveLine, this.directiveCol, msg, this.directiveBuf);
  }

  // ---- run -------------------------------------------------------------------------------

  run(file: string, text: string): CppResult {
    this.mainFile = file;
    const slash = file.lastIndexOf("/");
    this.mainDir = slash < 0 ? "" : file.slice(0, slash + 1);
    const mainDirObj = this.makeDir(this.mainDir, 0);
    const main: CFile = {
      path: file,
      dir: mainDirObj,
      dirName: this.mainDir,
      text,
      cmacro: null,
      onceOnly: false,
    };
    this.allFiles.push(main);
    this.filesRead.push(file);
    // c-ppoutput prints the main file, <built-in> and <command-line> at line 0.
    this.out.push(`# 0 "${quoteString(file)}"\n`);
    this.out.push(`# 0 "<built-in>"\n`);
    this.out.push(`# 0 "<command-line>"\n`);
    this.cmdlineDefines();
    this.pushBuffer(main, text, 0);
    this.out.push(`# 1 "${quoteString(file)}"\n`);
    this.srcLine = 1;
    this.srcFile = file;
    this.miValid = true;
    this.miCmacro = null;
    this.scan();
    if (this.printed) this.out.push("\n");
    return { text: this.out.join(""), warnings: this.warnings, files: this.filesRead };
  }

  private cmdlineDefines(): void {
    const defs = this.cmdline.defines;
    const cmdBuf = (src: string): void => {
      const b: Buf = this.makeBuf(null, src + "\n", "<command-line>", 0);
      this.buffers.push(b);
      this.buffer = b;
      this.getFreshLine();
      this.startDirective();
      this.directiveLine = 1;
      this.directiveCol = 1;
      this.doDefine();
      this.endDirective(true);
      this.buffers.pop();
    };
    for (const d of defs) {
      const eq = d.indexOf("=");
      if (eq < 0) cmdBuf(`${d} 1`);
      else cmdBuf(`${d.slice(0, eq)} ${d.slice(eq + 1)}`);
    }
    for (const u of this.cmdline.undefines) {
      const m = this.macros.get(u);
      if (m && !m.builtin) this.macros.delete(u);
    }
  }

  // ---- buffers and lines -----------------------------------------------------------------

  private makeBuf(file: CFile | null, text: string, name: string, includedAt: number): Buf {
    return {
      file,
      text,
      next: 0,
      line: "",
      cur: 0,
      notes: [],
      noteIdx: 0,
      lineNo: 0,
      nextLineNo: 1,
      lineBase: 0,
      needLine: true,
      name,
      ifStack: [],
      sysp: file ? file.dir.sysp : 0,
      includedAt,
      lineDelta: 0,
      synthetic: false,
    };
  }

  private pushBuffer(file: CFile, text: string, includedAt: number): void {
    const b = this.makeBuf(file, text, file.path, includedAt);
    this.buffers.push(b);
    this.buffer = b;
  }

  /** libcpp `_cpp_clean_line`: the next logical line, joining backslash-newlines. */
  private cleanLine(b: Buf): void {
    const t = b.text;
    let i = b.next;
    const start = i;
    let pieces: string[] | null = null;
    const notes: number[] = [];
    let segStart = start;
    let cleanedLen = 0;
    let end: number;
    let nextStart: number;
    b.lineNo = b.nextLineNo;
    for (;;) {
      // Find the end of this physical line.
      let j = i;
      while (j < t.length) {
        const c = t.charCodeAt(j);
        if (c === 0x0a || c === 0x0d) break;
        j++;
      }
      let after = j;
      if (j < t.length) {
        after = j + 1;
        if (t.charCodeAt(j) === 0x0d && t.charCodeAt(j + 1) === 0x0a) after = j + 2;
      }
      // Escaped newline?
      let p = j;
      while (p > segStart && isNvspace(t.charCodeAt(p - 1))) p--;
      if (j < t.length && p > segStart && t.charCodeAt(p - 1) === 0x5c) {
        if (p !== j) {
          // "backslash and newline separated by space"
          this.warnings.push(
            `${b.name}:${b.lineNo + notes.length + b.lineDelta}:${
              p - segStart
            }: warning: backslash and newline separated by space`,
          );
        }
        pieces ??= [];
        pieces.push(t.slice(segStart, p - 1));
        cleanedLen += p - 1 - segStart;
        notes.push(cleanedLen);
        segStart = after;
        i = after;
        if (after >= t.length) {
          // backslash-newline at end of file
          end = after;
          nextStart = after;
          break;
        }
        continue;
      }
      end = j;
      nextStart = after;
      break;
    }
    if (pieces) {
      pieces.push(t.slice(segStart, end));
      b.line = pieces.join("");
    } else {
      b.line = t.slice(start, end);
    }
    b.notes = notes;
    b.noteIdx = 0;
    b.cur = 0;
    b.lineBase = 0;
    b.next = nextStart;
    b.nextLineNo = b.lineNo + notes.length + 1;
  }

  /** Process line notes up to the cleaned position `pos`. */
  private processNotes(b: Buf, pos: number): void {
    while (b.noteIdx < b.notes.length && b.notes[b.noteIdx] <= pos) {
      b.lineBase = b.notes[b.noteIdx];
      b.lineNo++;
      b.noteIdx++;
    }
  }

  /** The last physical line of the current logical line. */
  private lastPhysLine(b: Buf): number {
    return b.nextLineNo - 1;
  }

  /** libcpp `_cpp_get_fresh_line`. */
  private getFreshLine(): boolean {
    if (this.inDirective) return false;
    for (;;) {
      const b = this.buffer;
      if (!b.needLine) return true;
      if (b.next < b.text.length) {
        this.cleanLine(b);
        b.needLine = false;
        return true;
      }
      if (this.parsingArgs) return false;
      if (this.buffers.length > 1) {
        this.popBuffer();
      } else {
        return false;
      }
    }
  }

  /** libcpp `_cpp_pop_buffer`: unterminated conditionals, include guard, LC_LEAVE. */
  private popBuffer(): void {
    const b = this.buffer;
    if (b.ifStack.length) {
      const ifs = b.ifStack[b.ifStack.length - 1];
      this.errorAt(ifs.line, 0, `Unterminated #${ifs.type}`, b);
    }
    this.skipping = false;
    this.buffers.pop();
    this.buffer = this.buffers[this.buffers.length - 1];
    const f = b.file;
    if (f) {
      if (this.miValid && f.cmacro === null) f.cmacro = this.miCmacro;
      this.miValid = false;
      // LC_LEAVE: back in the includer on the line after the #include.
      const parent = this.buffer;
      this.printLine(b.includedAt + 1 + parent.lineDelta, parent.name, " 2", parent.sysp);
    }
  }

  // ---- lexer -----------------------------------------------------------------------------

  /** libcpp `_cpp_lex_direct`. */
  private lexDirect(): Tok {
    const t = this.lexDirect1();
    this.noteLexed(t);
    return t;
  }

  /** Track libcpp's `cur_token[-1]` (see {@link lastLoc}). */
  private noteLexed(t: Tok): void {
    this.prevLoc = this.lastLoc;
    // An EOF token from the end of a line or buffer has the location of the newline.
    this.lastLoc = t.type === EOF && t.col === 0 ? this.eolLoc : t;
  }

  private lexDirect1(): Tok {
    let flags = 0;
    let b = this.buffer;
    for (;;) {
      if (b.needLine) {
        if (!this.getFreshLine()) {
          const t = tok(EOF, "");
          t.buf = this.buffer;
          t.line = this.buffer.lineNo;
          if (!this.inDirective && !this.parsingArgs) {
            t.flags = BOL;
            // End of the main file: dtc's caller sees the unterminated conditionals too.
            const ifs = this.buffer.ifStack.at(-1);
            if (ifs) this.errorAt(ifs.line, 0, `Unterminated #${ifs.type}`, this.buffer);
          }
          return t;
        }
        b = this.buffer;
        flags = BOL;
        if (this.parsingArgs === 2) flags |= PREV_WHITE;
      }
      // skip:
      const line = b.line;
      let i = b.cur;
      // whitespace
      while (i < line.length && isNvspace(line.charCodeAt(i))) {
        flags |= PREV_WHITE;
        i++;
      }
      if (i >= line.length) {
        b.cur = i;
        b.needLine = true;
        this.eolLoc = { line: b.lineNo, col: i - b.lineBase + 1, buf: b };
        if (this.inDirective) {
          const t = tok(EOF, "");
          t.buf = b;
          t.line = b.lineNo;
          // Stay at the end of the line; the next directive-free read fetches a new one.
          return t;
        }
        continue;
      }
      const c = line.charCodeAt(i);
      // comments
      if (c === 0x2f) {
        const c1 = line.charCodeAt(i + 1);
        if (c1 === 0x2a) {
          this.processNotes(b, i);
          const startLine = b.lineNo, startCol = i - b.lineBase + 1;
          if (!this.skipBlockComment(b, i + 2)) {
            this.errorAt(startLine + b.lineDelta, startCol, "Unterminated comment", b);
          }
          flags |= PREV_WHITE;
          continue;
        }
        if (c1 === 0x2f) {
          b.cur = line.length;
          flags |= PREV_WHITE;
          continue;
        }
      }
      this.processNotes(b, i);
      const t = this.lexOne(b, i, c);
      t.flags |= flags;
      return t;
    }
  }

  /** Skip a block comment starting after "/*" at `i`; false when unterminated. */
  private skipBlockComment(b: Buf, i: number): boolean {
    for (;;) {
      const end = b.line.indexOf("*/", i);
      if (end >= 0) {
        b.cur = end + 2;
        return true;
      }
      // Next line (the comment continues).
      if (b.next >= b.text.length) {
        b.cur = b.line.length;
        return false;
      }
      this.cleanLine(b);
      i = 0;
    }
  }

  /** Lex one token starting at `i` (first char `c`) of the current line. */
  private lexOne(b: Buf, i: number, c: number): Tok {
    const line = b.line;
    const col = i - b.lineBase + 1;
    const mk = (type: number, len: number): Tok => {
      b.cur = i + len;
      return { type, text: line.slice(i, i + len), flags: 0, line: b.lineNo, col, buf: b };
    };
    const c1 = line.charCodeAt(i + 1);
    if (isIdStart(c)) {
      if ((c === 0x4c) && (c1 === 0x22 || c1 === 0x27)) {
        return this.lexString(b, i, i + 1, col, c1 === 0x22 ? WSTRING : WCHAR);
      }
      let j = i + 1;
      while (j < line.length && isIdChar(line.charCodeAt(j))) j++;
      return mk(NAME, j - i);
    }
    if (isDigit(c) || (c === 0x2e && isDigit(c1))) {
      let j = i + 1;
      for (;;) {
        const d = line.charCodeAt(j);
        if (isIdChar(d) || d === 0x2e) {
          j++;
        } else if (
          (d === 0x2b || d === 0x2d) &&
          ((line.charCodeAt(j - 1) | 0x20) === 0x65 || (line.charCodeAt(j - 1) | 0x20) === 0x70)
        ) {
          j++;
        } else break;
      }
      return mk(NUMBER, j - i);
    }
    switch (c) {
      case 0x22: // "
        return this.lexString(b, i, i, col, STRING);
      case 0x27: // '
        return this.lexString(b, i, i, col, CHAR);
      case 0x3c: // <
        if (this.angledHeaders) {
          const end = line.indexOf(">", i + 1);
          if (end >= 0) return mk(HEADER_NAME, end + 1 - i);
        }
        if (c1 === 0x3d) return mk(LESS_EQ, 2);
        if (c1 === 0x3c) return line.charCodeAt(i + 2) === 0x3d ? mk(LSHIFT_EQ, 3) : mk(LSHIFT, 2);
        return mk(LESS, 1);
      case 0x3e: // >
        if (c1 === 0x3d) return mk(GREATER_EQ, 2);
        if (c1 === 0x3e) return line.charCodeAt(i + 2) === 0x3d ? mk(RSHIFT_EQ, 3) : mk(RSHIFT, 2);
        return mk(GREATER, 1);
      case 0x3d:
        return c1 === 0x3d ? mk(EQ_EQ, 2) : mk(EQ, 1);
      case 0x21:
        return c1 === 0x3d ? mk(NOT_EQ, 2) : mk(NOT, 1);
      case 0x2b:
        return c1 === 0x2b ? mk(PLUS_PLUS, 2) : c1 === 0x3d ? mk(PLUS_EQ, 2) : mk(PLUS, 1);
      case 0x2d:
        return c1 === 0x2d
          ? mk(MINUS_MINUS, 2)
          : c1 === 0x3d
          ? mk(MINUS_EQ, 2)
          : c1 === 0x3e
          ? mk(DEREF, 2)
          : mk(MINUS, 1);
      case 0x2a:
        return c1 === 0x3d ? mk(MULT_EQ, 2) : mk(MULT, 1);
      case 0x2f:
        return c1 === 0x3d ? mk(DIV_EQ, 2) : mk(DIV, 1);
      case 0x25:
        return c1 === 0x3d ? mk(MOD_EQ, 2) : mk(MOD, 1);
      case 0x26:
        return c1 === 0x26 ? mk(AND_AND, 2) : c1 === 0x3d ? mk(AND_EQ, 2) : mk(AND, 1);
      case 0x7c:
        return c1 === 0x7c ? mk(OR_OR, 2) : c1 === 0x3d ? mk(OR_EQ, 2) : mk(OR, 1);
      case 0x5e:
        return c1 === 0x3d ? mk(XOR_EQ, 2) : mk(XOR, 1);
      case 0x7e:
        return mk(COMPL, 1);
      case 0x3f:
        return mk(QUERY, 1);
      case 0x3a:
        return mk(COLON, 1);
      case 0x2c:
        return mk(COMMA, 1);
      case 0x28:
        return mk(OPEN_PAREN, 1);
      case 0x29:
        return mk(CLOSE_PAREN, 1);
      case 0x5b:
        return mk(OPEN_SQUARE, 1);
      case 0x5d:
        return mk(CLOSE_SQUARE, 1);
      case 0x7b:
        return mk(OPEN_BRACE, 1);
      case 0x7d:
        return mk(CLOSE_BRACE, 1);
      case 0x3b:
        return mk(SEMICOLON, 1);
      case 0x23:
        return c1 === 0x23 ? mk(PASTE, 2) : mk(HASH, 1);
      case 0x2e:
        if (c1 === 0x2e && line.charCodeAt(i + 2) === 0x2e) return mk(ELLIPSIS, 3);
        return mk(DOT, 1);
    }
    return mk(OTHER, 1);
  }

  /**
   * libcpp `lex_string`: a string or character constant from `base` (prefix start) with the
   * quote at `q`. Unterminated: the rest of the line becomes one OTHER token (assembler mode).
   */
  private lexString(b: Buf, base: number, q: number, col: number, type: number): Tok {
    const line = b.line;
    const term = line.charCodeAt(q);
    let j = q + 1;
    for (;;) {
      if (j >= line.length) {
        b.cur = line.length;
        return { type: OTHER, text: line.slice(base), flags: 0, line: b.lineNo, col, buf: b };
      }
      const c = line.charCodeAt(j++);
      if (c === 0x5c && j < line.length && !this.angledHeaders) {
        j++;
      } else if (c === term) {
        break;
      }
    }
    b.cur = j;
    return { type, text: line.slice(base, j), flags: 0, line: b.lineNo, col, buf: b };
  }

  /** libcpp `_cpp_lex_token`: lookaheads, directives at the start of a line, line changes. */
  private lexToken(): Tok {
    for (;;) {
      let result: Tok;
      if (this.lookaheads.length) {
        result = this.lookaheads.pop()!;
        this.noteLexed(result);
      } else result = this.lexDirect();
      if (result.flags & BOL) {
        if (result.type === HASH && this.parsingArgs !== 1) {
          if (this.handleDirective(result)) continue;
        }
        if (!this.skipping && result.type !== EOF && !this.parsingArgs) this.lineChange(result);
      }
      if (this.inDirective) return result;
      this.miValid = false;
      if (!this.skipping || result.type === EOF) return result;
    }
  }

  /** Push a token back to be lexed again. */
  private backupLexer(t: Tok): void {
    this.lookaheads.push(t);
    this.lastLoc = this.prevLoc;
  }

  // ---- directives ------------------------------------------------------------------------

  private startDirective(): void {
    this.inDirective = true;
    this.directiveLine = this.buffer.lineNo + this.buffer.lineDelta;
    this.directiveBuf = this.buffer;
  }

  /** libcpp `end_directive`. */
  private endDirective(skipLine: boolean): void {
    if (skipLine) this.skipRestOfLine();
    this.inDirective = false;
    this.angledHeaders = false;
    this.directiveWantsPadding = false;
  }

  /** libcpp `skip_rest_of_line`. */
  private skipRestOfLine(): void {
    while (this.contexts.length) this.popContext();
    if (!this.inDirective) return;
    for (;;) {
      const t = this.lexToken();
      if (t.type === EOF) break;
    }
  }

  /** libcpp `_cpp_handle_directive`; returns whether the line was a directive. */
  private handleDirective(hash: Tok): boolean {
    const wasParsingArgs = this.parsingArgs;
    const savedPrevent = this.preventExpansion;
    if (wasParsingArgs) {
      this.parsingArgs = 0;
      this.preventExpansion = 0;
    }
    this.startDirective();
    this.directiveLine = hash.line + (hash.buf ?? this.buffer).lineDelta;
    this.directiveCol = hash.col;
    const dname = this.lexToken();
    let handled = true;
    let dir: string | null = null;
    if (dname.type === NAME) dir = DIRECTIVES.has(dname.text) ? dname.text : null;
    if (dir) {
      if (!IF_COND.has(dir)) this.miValid = false;
      if (this.skipping && !COND.has(dir)) dir = null;
      if (dir === "include" || dir === "include_next" || dir === "import") {
        this.angledHeaders = true;
        this.directiveWantsPadding = true;
      }
      if (dir) this.runDirective(dir);
      this.endDirective(true);
    } else if (dname.type === EOF) {
      // null directive
      this.endDirective(true);
    } else {
      // Unknown directive: in assembler mode the line is ordinary text.
      handled = false;
      this.backupLexer(dname);
      this.endDirective(false);
    }
    if (wasParsingArgs) {
      this.preventExpansion = savedPrevent;
      this.parsingArgs = 2;
    }
    return handled;
  }

  private runDirective(dir: string): void {
    if (!this.skipping && (dir === "assert" || dir === "unassert" || dir === "import")) {
      this.warnAtLoc(this.lastLoc, `#${dir} is a deprecated GCC extension`);
    }
    switch (dir) {
      case "define":
        return this.doDefine();
      case "undef":
        return this.doUndef();
      case "include":
        return this.doInclude("include");
      case "include_next":
        return this.doInclude("include_next");
      case "import":
        return this.doInclude("import");
      case "if":
        return this.doIf();
      case "ifdef":
        return this.doIfdef(false);
      case "ifndef":
        return this.doIfdef(true);
      case "elif":
        return this.doElif(null);
      case "elifdef":
        return this.doElif(false);
      case "elifndef":
        return this.doElif(true);
      case "else":
        return this.doElse();
      case "endif":
        return this.doEndif();
      case "error":
        return this.doDiagnostic(true);
      case "warning":
        return this.doDiagnostic(false);
      case "line":
        return this.doLine();
      case "pragma":
        return this.doPragma();
      case "assert":
        return this.doAssert(true);
      case "unassert":
        return this.doAssert(false);
      case "ident":
      case "sccs":
        return;
    }
  }

  /** libcpp `lex_macro_node`. */
  private lexMacroNode(isDefUndef: boolean): string | null {
    const t = this.lexToken();
    if (t.type === NAME) {
      if (t.text === "defined" && isDefUndef) {
        this.dirError('"defined" cannot be used as a macro name');
      }
      if (
        isDefUndef && (t.text === "__has_include" || t.text === "__has_include_next")
      ) {
        this.dirError(`"${t.text}" cannot be used as a macro name`);
      }
      return t.text;
    }
    if (t.type === EOF) this.dirError(`No macro name given in #${this.curDirectiveName} directive`);
    this.dirError("Macro names must be identifiers");
  }

  private curDirectiveName = "";

  private checkEol(expand: boolean): void {
    const t = expand ? this.getTokenNoPadding() : this.lexToken();
    if (t.type !== EOF) this.dirWarn(`extra tokens at end of #${this.curDirectiveName} directive`);
  }

  private doDefine(): void {
    this.curDirectiveName = "define";
    const name = this.lexMacroNode(true);
    if (!name) return;
    const macro = this.createDefinition(name);
    const old = this.macros.get(name);
    if (old) {
      // At the directive's line without a column, as libcpp's `directive_line`.
      if (old.builtin || macrosDiffer(old, macro)) {
        this.warnAt(this.directiveLine, 0, `"${name}" redefined`, this.directiveBuf);
      }
    }
    this.macros.set(name, macro);
  }

  /** libcpp `create_iso_definition`. */
  private createDefinition(name: string): Macro {
    const macro: Macro = {
      name,
      funLike: false,
      params: [],
      variadic: false,
      tokens: [],
      builtin: "",
      disabled: false,
      where: `${this.directiveBuf?.name}:${this.directiveLine}`,
    };
    // libcpp lexes the replacement list (and the token after the name) without moving
    // `cur_token`, so diagnostics about it are at the name or at the parameter list's ')'.
    let defAt = this.lastLoc;
    let t = this.lexDirect();
    if (t.flags & PREV_WHITE) {
      // object-like
    } else if (t.type === OPEN_PAREN) {
      this.parseParams(macro);
      defAt = this.lastLoc;
      t = this.lexDirect();
    } else if (t.type !== EOF) {
      this.warnAtLoc(defAt, "missing whitespace after the macro name");
    }
    const bodyError = (m: string): never => this.errorAtLoc(defAt, m);
    const toks: Tok[] = [];
    let followingPaste = false;
    // libcpp's vaopt_state while defining: __VA_OPT__ must be followed by a balanced (...).
    let vaState = 0;
    let vaLastPaste = false;
    let vaAt: Loc = defAt;
    const vaUpdate = (tk: Tok): void => {
      if (!macro.variadic) return;
      if (tk.type === NAME && tk.text === "__VA_OPT__") {
        if (vaState > 0) this.errorAtTok("__VA_OPT__ may not appear in a __VA_OPT__", tk);
        vaState = 1;
        vaAt = tk;
        return;
      }
      if (vaState === 1) {
        if (tk.type !== OPEN_PAREN) {
          this.errorAtLoc(vaAt, "__VA_OPT__ must be followed by an open parenthesis");
        }
        vaState = 2;
        return;
      }
      if (vaState >= 2) {
        if (vaState === 2 && tk.type === PASTE) {
          this.errorAtTok("'##' cannot appear at either end of __VA_OPT__", tk);
        }
        if (vaState === 2) vaState = 3;
        const wasPaste = vaLastPaste;
        vaLastPaste = tk.type === PASTE;
        if (tk.type === OPEN_PAREN) vaState++;
        else if (tk.type === CLOSE_PAREN) {
          vaState--;
          if (vaState === 2) {
            vaState = 0;
            if (wasPaste) this.errorAtTok("'##' cannot appear at either end of __VA_OPT__", tk);
          }
        }
      }
    };
    for (;;) {
      if (t.type === NAME && macro.funLike) {
        const idx = macro.params.indexOf(t.text);
        if (idx >= 0) {
          t = { ...t, type: MACRO_ARG, arg: idx + 1 };
        }
      }
      // Stringify: '#' followed by a parameter (or __VA_OPT__) in a function-like macro.
      if (toks.length && toks[toks.length - 1].type === HASH && macro.funLike) {
        const prev = toks[toks.length - 1];
        if (
          t.type === MACRO_ARG ||
          (macro.variadic && t.type === NAME && t.text === "__VA_OPT__")
        ) {
          const nt: Tok = { ...t };
          nt.flags &= ~PREV_WHITE;
          nt.flags |= STRINGIFY_ARG | (prev.flags & PREV_WHITE);
          toks[toks.length - 1] = nt;
          vaUpdate(nt);
          t = this.lexDirect();
          followingPaste = false;
          continue;
        }
        // Assembler: '#' not followed by a parameter is kept.
      }
      if (t.type === EOF) {
        if (followingPaste) bodyError("'##' cannot appear at either end of a macro expansion");
        if (macro.variadic && vaState !== 0) this.errorAtLoc(vaAt, "Unterminated __VA_OPT__");
        break;
      }
      if (t.type === PASTE) {
        if (toks.length === 0) bodyError("'##' cannot appear at either end of a macro expansion");
        if (!followingPaste) {
          const prev = toks[toks.length - 1];
          toks[toks.length - 1] = { ...prev, flags: prev.flags | PASTE_LEFT };
        }
        followingPaste = true;
      } else {
        followingPaste = false;
        toks.push(t);
      }
      vaUpdate(t);
      t = this.lexDirect();
    }
    if (toks.length) toks[0] = { ...toks[0], flags: toks[0].flags & ~PREV_WHITE };
    macro.tokens = toks;
    this.lastLoc = defAt;
    return macro;
  }

  /** libcpp `parse_params`. */
  private parseParams(macro: Macro): void {
    macro.funLike = true;
    let prevIdent = false;
    for (;;) {
      const t = this.lexDirect();
      switch (t.type) {
        case NAME:
          if (prevIdent || macro.variadic) {
            this.dirError(`Expected ',' or ')', found "${t.text}"`);
          }
          prevIdent = true;
          if (macro.params.includes(t.text)) this.dirError(`Duplicate macro parameter "${t.text}"`);
          macro.params.push(t.text);
          break;
        case CLOSE_PAREN:
          if (prevIdent || macro.params.length === 0 || macro.variadic) return;
          this.dirError('Expected parameter name, found ")"');
          break;
        case COMMA:
          if (!prevIdent || macro.variadic) {
            this.dirError(`Expected parameter name, found ","`);
          }
          prevIdent = false;
          break;
        case ELLIPSIS:
          if (macro.variadic) this.dirError("Expected ')' after \"...\"");
          macro.variadic = true;
          if (!prevIdent) {
            macro.params.push("__VA_ARGS__");
          }
          break;
        case EOF:
          this.dirError(
            macro.variadic
              ? "Expected ')' after \"...\""
              : prevIdent
              ? "Expected ')' before end of line"
              : "Expected parameter name before end of line",
          );
          break;
        default:
          this.dirError(
            macro.variadic
              ? "Expected ')' after \"...\""
              : prevIdent
              ? `Expected ',' or ')', found "${t.text}"`
              : `Expected parameter name, found "${t.text}"`,
          );
      }
    }
  }

  private doUndef(): void {
    this.curDirectiveName = "undef";
    const name = this.lexMacroNode(true);
    if (!name) return;
    const m = this.macros.get(name);
    if (m) {
      if (m.builtin) this.dirWarn(`undefining "${name}"`);
      this.macros.delete(name);
    }
    this.checkEol(false);
  }

  // ---- include ---------------------------------------------------------------------------

  private makeDir(name: string, sysp: number): Dir {
    let d = this.dirHash.get(name);
    if (!d) {
      d = { name, next: this.bracket, sysp };
      this.dirHash.set(name, d);
    }
    return d;
  }

  private dirId(d: Dir): number {
    let id = this.dirIds.get(d);
    if (id === undefined) {
      id = this.dirIds.size;
      this.dirIds.set(d, id);
    }
    return id;
  }

  private appendFileToDir(fname: string, dir: Dir): string {
    if (dir.name.length === 0) return fname;
    return dir.name.endsWith("/") ? dir.name + fname : dir.name + "/" + fname;
  }

  /** libcpp `_cpp_find_file` with its per-start-directory cache. */
  private findFile(fname: string, start: Dir): CFile | null {
    const key = (d: Dir) => fname + "\0" + this.dirId(d);
    const cached = this.fileCache.get(key(start));
    if (cached) return cached;
    let dir: Dir | null = start;
    let found: CFile | null = null;
    let sawBracket = false;
    let foundInCache = false;
    while (dir) {
      const path = this.appendFileToDir(fname, dir);
      const bytes = this.readFile(path);
      if (bytes) {
        const slash = path.lastIndexOf("/");
        found = {
          path,
          dir,
          dirName: slash < 0 ? "" : path.slice(0, slash + 1),
          text: bytesToLatin1(bytes),
          cmacro: null,
          onceOnly: false,
        };
        this.filesRead.push(path);
        this.allFiles.push(found);
        break;
      }
      dir = dir.next;
      if (dir && dir === this.bracket) {
        sawBracket = true;
        const hit = this.fileCache.get(key(dir));
        if (hit) {
          found = hit;
          foundInCache = true;
          break;
        }
      }
    }
    if (found) {
      this.fileCache.set(key(start), found);
      // "If we passed the quote or bracket chain heads, cache them also."
      if (sawBracket && this.bracket && this.bracket !== start && !foundInCache) {
        this.fileCache.set(key(this.bracket), found);
      }
    }
    return found;
  }

  private doInclude(kind: "include" | "include_next" | "import"): void {
    this.curDirectiveName = kind;
    if (kind === "include_next" && this.buffers.length === 1) {
      this.warnAtLoc(this.lastLoc, "#include_next in primary source file");
    }
    const header = this.getTokenNoPadding();
    let fname: string;
    let angle: boolean;
    if (header.type === STRING || header.type === HEADER_NAME) {
      fname = header.text.slice(1, -1);
      angle = header.type === HEADER_NAME;
    } else if (header.type === LESS) {
      // Reconstitute <...> from tokens (after macro expansion).
      let s = "";
      for (;;) {
        const t = this.getTokenNoPadding();
        if (t.type === GREATER) break;
        if (t.type === EOF) this.dirError("Missing terminating > character");
        if (s.length && (t.flags & PREV_WHITE)) s += " ";
        s += t.text;
      }
      fname = s;
      angle = true;
    } else {
      this.dirError(`#${kind} expects "FILENAME" or <FILENAME>`);
    }
    this.checkEol(true);
    if (fname === "") this.errorAtTok(`Empty filename in #${kind}`, header);
    // A bound on the total (GCC has none): headers including a header twice at every level
    // would otherwise take exponential time within the depth limit.
    if (++this.includes > MAX_INCLUDES) this.dirError(`More than ${MAX_INCLUDES} #includes`);
    if (this.buffers.length >= MAX_INCLUDE_DEPTH) {
      this.dirError(
        `#include nested depth ${this.buffers.length} exceeds maximum of ${MAX_INCLUDE_DEPTH}`,
      );
    }
    this.skipRestOfLine();
    // search_path_head
    const curFile = this.buffer.file!;
    let start: Dir | null;
    if (fname.startsWith("/")) start = this.noSearch;
    else if (kind === "include_next" && curFile.dir !== this.noSearch && this.buffers.length > 1) {
      start = curFile.dir.next;
    } else if (angle) start = this.bracket;
    else start = this.makeDir(curFile.dirName, this.buffer.sysp);
    if (!start) {
      if (kind === "include_next" && !angle) {
        start = this.makeDir(curFile.dirName, this.buffer.sysp);
      } else this.dirError(`No include path in which to search for ${fname}`);
    }
    const file = this.findFile(fname, start!);
    if (!file) {
      const searched = [] as string[];
      for (let d: Dir | null = start; d; d = d.next) searched.push(d.name === "" ? "." : d.name);
      this.errorAtTok(
        `${fname}: No such file or directory (searched: ${searched.join(", ")})`,
        header,
      );
    }
    this.stackFile(file, kind === "import");
  }

  /** libcpp `_cpp_stack_file`. */
  private stackFile(file: CFile, isImport: boolean): void {
    if (file.onceOnly) return;
    if (isImport) {
      file.onceOnly = true;
      this.seenOnceOnly = true;
    }
    if (file.cmacro !== null && this.macros.has(file.cmacro)) return;
    if (this.seenOnceOnly) {
      for (const f of this.allFiles) {
        if (f !== file && f.onceOnly && f.text === file.text) return;
      }
    }
    const includedAt = this.lastPhysLine(this.buffer);
    const text = file.text ?? "";
    // LC_ENTER: bring the output to the #include line, then the marker.
    const parent = this.buffer;
    this.maybePrintLine(includedAt + parent.lineDelta, parent.name);
    this.pushBuffer(file, text, includedAt);
    this.miValid = true;
    this.miCmacro = null;
    this.printLine(1, file.path, " 1", this.buffer.sysp);
  }

  // ---- conditionals ----------------------------------------------------------------------

  private pushConditional(skip: boolean, type: IfState["type"], cmacro: string | null): void {
    const b = this.buffer;
    b.ifStack.push({
      line: this.directiveLine,
      skipElses: this.skipping || !skip,
      wasSkipping: this.skipping,
      type,
      miCmacro: this.miValid && this.miCmacro === null ? cmacro : null,
    });
    this.skipping = skip;
  }

  private doIfdef(not: boolean): void {
    this.curDirectiveName = not ? "ifndef" : "ifdef";
    let skip = true;
    let node: string | null = null;
    if (!this.skipping) {
      node = this.lexMacroNode(false);
      if (node) {
        const def = this.macros.has(node);
        skip = not ? def : !def;
        this.checkEol(false);
      }
    }
    this.pushConditional(skip, not ? "ifndef" : "ifdef", not ? node : null);
  }

  private doIf(): void {
    this.curDirectiveName = "if";
    let skip = true;
    let cmacro: string | null = null;
    if (!this.skipping) {
      const r = this.parseExpr("if");
      skip = !r.value;
      cmacro = r.cmacro;
    }
    this.pushConditional(skip, "if", cmacro);
  }

  private doElif(defKind: boolean | null): void {
    this.curDirectiveName = defKind === null ? "elif" : defKind ? "elifndef" : "elifdef";
    const ifs = this.buffer.ifStack.at(-1);
    if (!ifs) this.dirError(`#${this.curDirectiveName} without #if`);
    if (ifs.type === "else") {
      this.dirError(`#${this.curDirectiveName} after #else`);
    }
    ifs.type = "elif";
    if (ifs.skipElses) {
      this.skipping = true;
    } else {
      if (defKind === null) {
        this.skipping = !this.parseExpr("elif").value;
      } else {
        const node = this.lexMacroNode(false);
        const def = node ? this.macros.has(node) : false;
        this.skipping = defKind ? def : !def;
        if (node) this.checkEol(false);
      }
      ifs.skipElses = !this.skipping;
    }
    ifs.miCmacro = null;
  }

  private doElse(): void {
    this.curDirectiveName = "else";
    const ifs = this.buffer.ifStack.at(-1);
    if (!ifs) this.dirError("#else without #if");
    if (ifs.type === "else") this.dirError("#else after #else");
    ifs.type = "else";
    this.skipping = ifs.skipElses;
    ifs.skipElses = true;
    ifs.miCmacro = null;
    if (!ifs.wasSkipping) this.checkEol(false);
  }

  private doEndif(): void {
    this.curDirectiveName = "endif";
    const stack = this.buffer.ifStack;
    const ifs = stack.at(-1);
    if (!ifs) this.dirError("#endif without #if");
    if (!ifs.wasSkipping) this.checkEol(false);
    stack.pop();
    this.skipping = ifs.wasSkipping;
    if (stack.length === 0 && ifs.miCmacro) {
      this.miValid = true;
      this.miCmacro = ifs.miCmacro;
    }
  }

  // ---- #error, #warning, #line, #pragma --------------------------------------------------

  /** The rest of the directive line as text (tokens with their spacing, unexpanded). */
  private restOfLineText(): string {
    let s = "";
    for (;;) {
      const t = this.lexToken();
      if (t.type === EOF) break;
      if (s.length && (t.flags & PREV_WHITE)) s += " ";
      s += t.text;
    }
    return s;
  }

  private doDiagnostic(isError: boolean): void {
    this.curDirectiveName = isError ? "error" : "warning";
    const at = this.lastLoc; // the directive name, as libcpp's do_diagnostic
    const text = this.restOfLineText();
    if (isError) this.errorAtLoc(at, `#error ${text}`);
    this.warnAtLoc(at, `#warning ${text}`);
  }

  private doLine(): void {
    this.curDirectiveName = "line";
    const t = this.getTokenNoPadding();
    if (t.type !== NUMBER || !/^[0-9]+$/.test(t.text)) {
      if (t.type === EOF) this.dirError("Unexpected end of file after #line");
      this.dirError(`"${t.text}" after #line is not a positive integer`);
    }
    // linenum_type is a 32-bit unsigned: larger numbers wrap (with a warning).
    const big = BigInt(t.text);
    const n = Number(big & 0xffffffffn);
    if (big > 0xffffffffn) this.dirWarn("line number out of range");
    const f = this.getTokenNoPadding();
    let newName = this.buffer.name;
    if (f.type === STRING) {
      newName = interpretString(f.text.slice(1, -1));
      this.checkEol(true);
    } else if (f.type !== EOF) {
      this.dirError(`Invalid filename "${f.text}"`);
    }
    this.skipRestOfLine();
    // The next physical line is number n.
    const b = this.buffer;
    b.lineDelta = n - b.nextLineNo;
    b.name = newName;
    this.printLine(n, newName, "", b.sysp);
  }

  /** `#pred(answer)` for #assert, #unassert and #if: the predicate and the answer text. */
  private parseAssertion(): { pred: string; answer: string | null } {
    const name = this.getTokenNoPadding();
    if (name.type === EOF) this.dirError("Assertion without predicate");
    if (name.type !== NAME) this.errorAtTok("Predicate must be an identifier", name);
    const open = this.getTokenNoPadding();
    if (open.type !== OPEN_PAREN) {
      if (open.type !== EOF) this.backup(open);
      return { pred: name.text, answer: null };
    }
    const parts: string[] = [];
    for (;;) {
      const t = this.getTokenNoPadding();
      if (t.type === CLOSE_PAREN) break;
      if (t.type === EOF) this.dirError("Missing ')' to complete answer");
      parts.push(t.text);
    }
    if (parts.length === 0) this.dirError("Predicate's answer is empty");
    return { pred: name.text, answer: parts.join(" ") };
  }

  /** `#assert pred(answer)` / `#unassert pred[(answer)]` (GCC extensions). */
  private doAssert(add: boolean): void {
    this.curDirectiveName = add ? "assert" : "unassert";
    this.preventExpansion++;
    const a = this.parseAssertion();
    this.preventExpansion--;
    const set = this.assertions.get(a.pred) ?? new Set<string>();
    if (add) {
      if (a.answer === null) this.dirError("Missing '(' after predicate");
      set.add(a.answer);
      this.assertions.set(a.pred, set);
    } else if (a.answer === null) {
      this.assertions.delete(a.pred);
    } else {
      set.delete(a.answer);
    }
  }

  private assertions = new Map<string, Set<string>>();

  private doPragma(): void {
    this.curDirectiveName = "pragma";
    const ns = this.lexToken();
    if (ns.type !== NAME) return;
    // libcpp's own pragmas start an output line at the pragma's first token (as seen in
    // GCC's output); unknown pragmas are dropped silently in assembler mode.
    if (INTERNAL_PRAGMAS.has(ns.text)) {
      this.lineChange(ns);
    } else if (ns.text === "GCC") {
      const sub = this.lexToken();
      if (sub.type === NAME && GCC_PRAGMAS.has(sub.text)) {
        this.lineChange(ns);
        this.lookaheads.push(sub);
      } else {
        return;
      }
    }
    if (ns.text === "once") {
      if (this.buffers.length === 1) this.dirWarn("#pragma once in main file");
      if (this.buffer.file) {
        this.buffer.file.onceOnly = true;
        this.seenOnceOnly = true;
      }
      return;
    }
    if (ns.text === "push_macro" || ns.text === "pop_macro") {
      const open = this.lexToken();
      const str = this.lexToken();
      const close = this.lexToken();
      if (open.type !== OPEN_PAREN || str.type !== STRING || close.type !== CLOSE_PAREN) {
        this.dirError(`Invalid #pragma ${ns.text} directive`);
      }
      const name = str.text.slice(1, -1);
      const stack = this.pushedMacros.get(name) ?? [];
      if (ns.text === "push_macro") {
        stack.push(this.macros.get(name));
        this.pushedMacros.set(name, stack);
      } else if (stack.length) {
        const m = stack.pop();
        if (m) this.macros.set(name, m);
        else this.macros.delete(name);
      }
      return;
    }
    if (ns.text === "GCC") {
      const sub = this.lexToken();
      if (sub.type !== NAME) return;
      if (sub.text === "system_header") {
        if (this.buffers.length > 1) {
          this.buffer.sysp = 1;
          this.skipRestOfLine();
          this.printLine(this.buffer.nextLineNo + this.buffer.lineDelta, this.buffer.name, "", 1);
        }
        return;
      }
      if (sub.text === "warning" || sub.text === "error") {
        const t = this.getTokenNoPadding();
        const msg = t.type === STRING ? interpretString(t.text.slice(1, -1)) : t.text;
        if (sub.text === "error") this.dirError(msg);
        this.dirWarn(msg);
      }
    }
  }

  // ---- #if expressions -------------------------------------------------------------------

  /** libcpp `_cpp_parse_expr` (GCC semantics on a 64-bit host). */
  private parseExpr(dir: string): { value: boolean; cmacro: string | null } {
    const toks: Tok[] = [];
    // Gather tokens with `defined` handled before expansion.
    const raw: Tok[] = [];
    for (;;) {
      const t = this.getTokenNoPadding();
      if (t.type === EOF) break;
      if (t.type === NAME && t.text === "defined") {
        this.preventExpansion++;
        let n = this.getTokenNoPadding();
        let paren = false;
        if (n.type === OPEN_PAREN) {
          paren = true;
          n = this.getTokenNoPadding();
        }
        if (n.type !== NAME) {
          this.preventExpansion--;
          this.dirError('Operator "defined" requires an identifier');
        }
        if (paren) {
          const c = this.getTokenNoPadding();
          if (c.type !== CLOSE_PAREN) {
            this.preventExpansion--;
            this.dirError("Missing ')' after \"defined\"");
          }
        }
        this.preventExpansion--;
        const v = this.macros.has(n.text) ? "1" : "0";
        toks.push({ ...n, type: NUMBER, text: v, flags: n.flags });
        raw.push(t, n);
        continue;
      }
      if (t.type === HASH) {
        // An assertion test: #pred or #pred(answer).
        this.preventExpansion++;
        const a = this.parseAssertion();
        this.preventExpansion--;
        const set = this.assertions.get(a.pred);
        const yes = set !== undefined && (a.answer === null ? set.size > 0 : set.has(a.answer));
        toks.push({ ...t, type: NUMBER, text: yes ? "1" : "0" });
        raw.push(t);
        continue;
      }
      if (t.type === NAME && (t.text === "__has_include" || t.text === "__has_include_next")) {
        toks.push({
          ...t,
          type: NUMBER,
          text: this.hasInclude(t.text === "__has_include_next") ? "1" : "0",
        });
        continue;
      }
      toks.push(t);
      raw.push(t);
    }
    if (toks.length === 0) this.dirError(`#${dir} with no expression`);
    // Controlling macro pattern `!defined X` / `!defined(X)`.
    let cmacro: string | null = null;
    if (
      toks.length === 2 && toks[0].type === NOT && raw.length === 3 && raw[1].text === "defined"
    ) {
      cmacro = raw[2].text;
    }
    const e = new ExprParser(
      toks,
      (m, at) => this.errorAtTok(m, at),
      (m, at) => {
        this.warnAtLoc(at && at.buf && at.line ? at : this.lastLoc, m);
      },
    );
    const v = e.parse();
    return { value: v.v !== 0n, cmacro };
  }

  private hasInclude(next: boolean): boolean {
    this.angledHeaders = true;
    let t = this.getTokenNoPadding();
    const paren = t.type === OPEN_PAREN;
    if (paren) t = this.getTokenNoPadding();
    else this.dirError("Missing '(' before \"__has_include\" operand");
    this.angledHeaders = false;
    let fname: string;
    let angle: boolean;
    if (t.type === STRING || t.type === HEADER_NAME) {
      fname = t.text.slice(1, -1);
      angle = t.type === HEADER_NAME;
    } else if (t.type === LESS) {
      let s = "";
      for (;;) {
        const u = this.getTokenNoPadding();
        if (u.type === GREATER || u.type === EOF) break;
        if (s.length && (u.flags & PREV_WHITE)) s += " ";
        s += u.text;
      }
      fname = s;
      angle = true;
    } else {
      this.dirError('Operator "__has_include" requires a header-name');
    }
    if (paren && this.getTokenNoPadding().type !== CLOSE_PAREN) {
      this.dirError("Missing ')' after \"__has_include\" operand");
    }
    const curFile = this.buffer.file;
    let start: Dir | null;
    if (fname.startsWith("/")) start = this.noSearch;
    else if (next && curFile && this.buffers.length > 1) start = curFile.dir.next;
    else if (angle) start = this.bracket;
    else start = this.makeDir(curFile ? curFile.dirName : this.mainDir, 0);
    if (!start) return false;
    for (let d: Dir | null = start; d; d = d.next) {
      if (this.readFile(this.appendFileToDir(fname, d))) return true;
    }
    return false;
  }

  // ---- macro expansion -------------------------------------------------------------------

  private getTokenNoPadding(): Tok {
    for (;;) {
      const t = this.getToken();
      if (t.type !== PADDING) return t;
    }
  }

  private macroOfContext(): Macro | null {
    return this.contexts.length ? this.contexts[this.contexts.length - 1].macro : null;
  }

  private pushContext(tokens: Tok[], macro: Macro | null): void {
    this.contexts.push({ tokens, pos: 0, macro });
  }

  /** `_cpp_push_token_context` with a NULL macro: continue the current macro's expansion. */
  private pushTokenInherit(tokens: Tok[]): void {
    this.contexts.push({ tokens, pos: 0, macro: this.macroOfContext() });
  }

  private popContext(): void {
    const ctx = this.contexts.pop()!;
    const m = ctx.macro;
    if (m && this.macroOfContext() !== m) m.disabled = false;
    if (m === this.topMostMacro && this.contexts.length === 0) this.topMostMacro = null;
  }

  /** libcpp `_cpp_backup_tokens` for one token. */
  private backup(t: Tok): void {
    if (this.contexts.length === 0) this.backupLexer(t);
    else this.contexts[this.contexts.length - 1].pos--;
  }

  /** libcpp `cpp_get_token_1`. */
  private getToken(): Tok {
    const savedAbout = this.aboutToExpand;
    try {
      for (;;) {
        let result: Tok;
        const ctx = this.contexts.length ? this.contexts[this.contexts.length - 1] : null;
        if (!ctx) {
          result = this.lexToken();
        } else if (ctx.pos < ctx.tokens.length) {
          result = ctx.tokens[ctx.pos++];
          if (result.flags & PASTE_LEFT) {
            this.pasteAll(result);
            if (this.inDirective) continue;
            return padding(result);
          }
        } else {
          this.popContext();
          if (this.inDirective) continue;
          return AVOID_PASTE;
        }
        if (result.type !== NAME) return result;
        if (result.flags & NO_EXPAND) return result;
        const m = this.macros.get(result.text);
        if (!m) return result;
        if (!m.disabled) {
          if (!this.aboutToExpand && this.macroOfContext() === null) {
            this.invocationLine = result.line;
            this.topMostMacro = m;
          }
          if (this.preventExpansion) return result;
          const ret = this.enterMacroContext(m, result);
          if (ret) {
            if (this.inDirective || ret === 2) continue;
            return padding(result);
          }
          return result;
        }
        return { ...result, flags: result.flags | NO_EXPAND };
      }
    } finally {
      this.aboutToExpand = savedAbout;
    }
  }

  /** libcpp `enter_macro_context`: 1 when a context was pushed, 0 otherwise. */
  private enterMacroContext(m: Macro, result: Tok): number {
    if (this.contexts.length > MAX_CONTEXTS) {
      this.errorAtTok("Macro expansion nested too deeply", result);
    }
    this.miValid = false;
    this.angledHeaders = false;
    this.aboutToExpand = true;
    if (m.builtin) {
      this.aboutToExpand = false;
      return this.builtinMacro(m, result);
    }
    if (m.funLike) {
      this.preventExpansion++;
      this.keepTokens++;
      this.parsingArgs = 1;
      const args = this.funlikeInvocation(m);
      this.parsingArgs = 0;
      this.keepTokens--;
      this.preventExpansion--;
      if (!args) {
        this.aboutToExpand = false;
        return 0;
      }
      if (m.params.length > 0) this.replaceArgs(m, args);
    }
    m.disabled = true;
    if (m.params.length === 0) this.pushContext(m.tokens, m);
    this.aboutToExpand = false;
    return 1;
  }

  /** libcpp `funlike_invocation_p`. */
  private funlikeInvocation(m: Macro): MacroArg[] | null {
    let pad: Tok | null = null;
    let t: Tok;
    for (;;) {
      t = this.getToken();
      if (t.type !== PADDING) break;
      if (
        pad === null || pad.source == null ||
        (!(pad.source.flags & PREV_WHITE) && t.source == null)
      ) {
        pad = t;
      }
    }
    if (t.type === OPEN_PAREN) {
      this.parsingArgs = 2;
      return this.collectArgs(m);
    }
    if (t.type !== EOF || t === ENDARG) {
      this.backup(t);
      if (pad) this.pushTokenInherit([pad]);
    }
    return null;
  }

  /** libcpp `collect_args`. */
  private collectArgs(m: Macro): MacroArg[] {
    const paramc = m.params.length;
    const args: MacroArg[] = [];
    let argc = 0;
    let t: Tok;
    do {
      let depth = 0;
      const toks: Tok[] = [];
      argc++;
      for (;;) {
        t = this.getToken();
        if (t.type === PADDING) {
          if (toks.length === 0) continue;
        } else if (t.type === OPEN_PAREN) {
          depth++;
        } else if (t.type === CLOSE_PAREN) {
          if (depth-- === 0) break;
        } else if (t.type === COMMA) {
          if (depth === 0 && !(m.variadic && argc === paramc)) break;
        } else if (t.type === EOF || (t.type === HASH && (t.flags & BOL))) {
          break;
        }
        toks.push(t);
      }
      while (toks.length && toks[toks.length - 1].type === PADDING) toks.pop();
      if (argc <= Math.max(paramc, 1)) {
        args.push({ first: toks, count: toks.length, expanded: null, stringified: null });
      } else {
        args[args.length - 1] = {
          first: toks,
          count: toks.length,
          expanded: null,
          stringified: null,
        };
      }
      // A '#' at the start of a line that is no directive (assembler mode) ends the argument
      // and is dropped; collection goes on with the next argument, as in libcpp.
    } while (t.type !== CLOSE_PAREN && t.type !== EOF);
    const at = this.lastLoc;
    if (t.type !== CLOSE_PAREN) {
      this.errorAtLoc(at, `Unterminated argument list invoking macro "${m.name}"`);
    }
    if (argc === 1 && paramc === 0 && args[0].count === 0) argc = 0;
    if (argc !== paramc) {
      if (argc < paramc) {
        if (!(argc + 1 === paramc && m.variadic)) {
          this.errorAtLoc(
            at,
            `Macro "${m.name}" requires ${paramc} arguments, but only ${argc} given`,
          );
        }
      } else {
        this.errorAtLoc(at, `Macro "${m.name}" passed ${argc} arguments, but takes just ${paramc}`);
      }
    }
    while (args.length < paramc) {
      args.push({ first: [], count: 0, expanded: null, stringified: null });
    }
    // GNU `, ## __VA_ARGS__`: an omitted variadic argument swallows the comma.
    if (m.variadic && (argc < paramc || (argc === 1 && args[0].count === 0))) {
      args[paramc - 1].first = null;
    }
    return args;
  }

  /** libcpp `expand_arg`. */
  private expandArg(arg: MacroArg): void {
    if (arg.expanded) return;
    if (arg.count === 0 || !arg.first) {
      arg.expanded = [];
      return;
    }
    const out: Tok[] = [];
    this.pushContext([...arg.first, ENDARG], this.macroOfContext());
    const depth = this.contexts.length;
    for (;;) {
      const t = this.getToken();
      if (t.type === EOF) break;
      out.push(t);
    }
    this.spend(out.length);
    // Pop the argument context (it may still hold the consumed EOF).
    while (this.contexts.length >= depth) this.popContext();
    arg.expanded = out;
  }

  /** libcpp `stringify_arg`. */
  private stringifyArg(toks: Tok[]): Tok {
    let s = '"';
    let source: Tok | null = null;
    let backslashes = 0;
    let first = true;
    for (const t of toks) {
      if (t.type === PADDING) {
        if (source === null || (!(source.flags & PREV_WHITE) && t.source == null)) {
          source = t.source ?? null;
        }
        continue;
      }
      const escape = t.type === STRING || t.type === CHAR || t.type === WSTRING || t.type === WCHAR;
      if (!first) {
        const src = source ?? t;
        if (src.flags & PREV_WHITE) s += " ";
      }
      source = null;
      first = false;
      s += escape ? t.text.replace(/[\\"]/g, (c) => "\\" + c).replace(/\n/g, "\\n") : t.text;
      if (t.type === OTHER && t.text === "\\") backslashes++;
      else backslashes = 0;
    }
    if (backslashes & 1) {
      this.warnings.push(`${this.mainFile}: warning: invalid string literal, ignoring final '\\'`);
      s = s.slice(0, -1);
    }
    s += '"';
    return tok(STRING, s);
  }

  /** libcpp `replace_args`. */
  private replaceArgs(m: Macro, args: MacroArg[]): void {
    const src = m.tokens;
    for (let i = 0; i < src.length; i++) {
      const s = src[i];
      if (s.type !== MACRO_ARG) continue;
      const arg = args[s.arg! - 1];
      if (s.flags & STRINGIFY_ARG) {
        if (!arg.stringified) arg.stringified = this.stringifyArg(arg.first ?? []);
      } else if (!(s.flags & PASTE_LEFT) && !(i > 0 && (src[i - 1].flags & PASTE_LEFT))) {
        this.expandArg(arg);
      }
    }
    const buff: Tok[] = [];
    const vaopt = new VaOpt(m, args[m.params.length - 1], (a) => this.expandArg(a));
    let vaoptStart = -1; // index in buff of the last token before __VA_OPT__ content, -2 = none yet
    let vaoptActive = false;
    for (let i = 0; i < src.length; i++) {
      const s = src[i];
      const prevPaste = i > 0 && (src[i - 1].flags & PASTE_LEFT) !== 0;
      let pasteFlag = -1;
      const st = vaopt.update(s);
      if (st !== "include") {
        if (st === "begin") {
          if (i > 0 && !prevPaste) buff.push(padding(s));
          vaoptStart = buff.length - 1;
          vaoptActive = true;
        } else if (st === "end") {
          const start = vaoptStart;
          vaoptActive = false;
          vaoptStart = -1;
          let last = buff.length - 1;
          if (vaopt.stringify) {
            const first = start + 1;
            const part = buff.slice(first);
            buff.length = first;
            let t = this.stringifyArg(part);
            if (s.flags & PASTE_LEFT) t = { ...t, flags: t.flags | PASTE_LEFT };
            buff.push(t);
            continue;
          }
          if (start >= 0 && last === start && (buff[start].flags & PASTE_LEFT)) {
            buff[start] = { ...buff[start], flags: buff[start].flags & ~PASTE_LEFT };
          }
          if (s.flags & PASTE_LEFT) {
            while (last >= 0 && last !== start && buff[last] === AVOID_PASTE) {
              buff.pop();
              last--;
            }
            if (last >= 0 && buff[last].type !== PADDING) {
              buff[last] = { ...buff[last], flags: buff[last].flags | PASTE_LEFT };
            }
          } else {
            buff.push(AVOID_PASTE);
          }
        }
        continue;
      }
      if (s.type !== MACRO_ARG) {
        buff.push(s);
        continue;
      }
      const arg = args[s.arg! - 1];
      let from: Tok[];
      if (s.flags & STRINGIFY_ARG) {
        from = [arg.stringified!];
      } else if (s.flags & PASTE_LEFT) {
        from = arg.first ?? [];
      } else if (prevPaste) {
        from = arg.first ?? [];
        if (buff.length) {
          const li = buff.length - 1;
          if (buff[li].type === COMMA && m.variadic && s.arg === m.params.length) {
            if (arg.first === null) buff.pop();
            else pasteFlag = li;
          } else if (from.length === 0) {
            pasteFlag = li;
          }
        }
      } else {
        this.expandArg(arg);
        from = arg.expanded!;
        if (vaoptActive && buff.length - 1 === vaoptStart) {
          let k = 0;
          while (k < from.length && from[k].type === PADDING) k++;
          from = from.slice(k);
        }
      }
      // Padding on the left of an argument (unless RHS of ##).
      if (
        (!this.inDirective || this.directiveWantsPadding) && i > 0 && !prevPaste &&
        !(vaoptActive && buff.length - 1 === vaoptStart)
      ) {
        buff.push(padding(s));
      }
      if (from.length) {
        for (const t of from) buff.push(t);
        if (s.flags & PASTE_LEFT) pasteFlag = buff.length - 1;
      }
      // Avoid paste on RHS (even case count == 0).
      if (!this.inDirective && !(s.flags & PASTE_LEFT)) buff.push(AVOID_PASTE);
      if (pasteFlag >= 0) {
        const t = buff[pasteFlag];
        buff[pasteFlag] = {
          ...t,
          flags: (s.flags & PASTE_LEFT) ? t.flags | PASTE_LEFT : t.flags & ~PASTE_LEFT,
        };
      }
    }
    this.spend(buff.length);
    this.pushContext(buff, m);
  }

  /** Count `n` produced tokens against the expansion bound. */
  private spend(n: number): void {
    this.tokenBudget -= n;
    if (this.tokenBudget < 0) {
      this.errorAtLoc(
        this.lastLoc,
        `Macro expansion produces more than ${this.maxTokens} tokens (runaway expansion)`,
      );
    }
  }

  /** libcpp `paste_all_tokens`. */
  private pasteAll(first: Tok): void {
    const ctx = this.contexts[this.contexts.length - 1];
    let lhs = first;
    let rhs: Tok;
    do {
      if (ctx.pos >= ctx.tokens.length) {
        lhs = { ...lhs, flags: lhs.flags & ~PASTE_LEFT };
        break;
      }
      rhs = ctx.tokens[ctx.pos++];
      if (rhs.type === PADDING) {
        if (rhs.source == null) continue;
      }
      const r = this.pasteTokens(lhs, rhs);
      if (!r) {
        ctx.pos--;
        lhs = { ...lhs, flags: lhs.flags & ~PASTE_LEFT };
        break;
      }
      lhs = r;
    } while (rhs.flags & PASTE_LEFT);
    this.pushTokenInherit([lhs]);
  }

  /** libcpp `paste_tokens`: the pasted token, or null when the result is not one token. */
  private pasteTokens(lhs: Tok, rhs: Tok): Tok | null {
    let text = lhs.text;
    if (lhs.type === DIV && rhs.type !== EQ) text += " ";
    if (rhs.type !== PADDING) text += rhs.text;
    const t = this.lexSynthetic(text);
    if (!t) return null;
    t.flags = (t.flags & ~(PREV_WHITE | PASTE_LEFT | BOL)) | (lhs.flags & PREV_WHITE);
    return t;
  }

  /** Lex `text` as exactly one token, or null. */
  private lexSynthetic(text: string): Tok | null {
    if (text.length === 0) return null;
    const b: Buf = this.makeBuf(null, text, this.buffer.name, 0);
    b.line = text;
    b.needLine = false;
    b.synthetic = true;
    b.lineNo = this.buffer.lineNo;
    const savedAngled = this.angledHeaders;
    this.angledHeaders = false;
    const t = this.lexOne(b, 0, text.charCodeAt(0));
    this.angledHeaders = savedAngled;
    if (b.cur !== text.length) return null;
    t.buf = this.buffer;
    return t;
  }

  /** libcpp `builtin_macro`. */
  private builtinMacro(m: Macro, result: Tok): number {
    let text: string;
    switch (m.builtin) {
      case "_Pragma": {
        // Consume `( "string" )`; pragmas are not output in assembler mode.
        if (this.inDirective) return 0;
        const open = this.getTokenNoPadding();
        if (open.type !== OPEN_PAREN) {
          this.backup(open);
          return 0;
        }
        this.getTokenNoPadding();
        this.getTokenNoPadding();
        return 2;
      }
      case "__has_include":
      case "__has_include_next":
        if (!this.inDirective) {
          this.errorAtTok(`"${m.name}" used outside of preprocessing directive`, result);
        }
        return 0;
      case "__LINE__": {
        const line = this.contexts.length && this.topMostMacro ? this.invocationLine : result.line;
        text = String(line + (result.buf?.lineDelta ?? this.buffer.lineDelta));
        break;
      }
      case "__FILE__":
        text = `"${quoteString(this.buffer.name)}"`;
        break;
      case "__FILE_NAME__": {
        const n = this.buffer.name;
        text = `"${quoteString(n.slice(n.lastIndexOf("/") + 1))}"`;
        break;
      }
      case "__BASE_FILE__":
        text = `"${quoteString(this.mainFile)}"`;
        break;
      case "__COUNTER__":
        text = String(this.counter++);
        break;
      case "__INCLUDE_LEVEL__":
        text = String(this.buffers.length - 1);
        break;
      case "__DATE__": {
        const d = new Date();
        const mon = [
          "Jan",
          "Feb",
          "Mar",
          "Apr",
          "May",
          "Jun",
          "Jul",
          "Aug",
          "Sep",
          "Oct",
          "Nov",
          "Dec",
        ];
        text = `"${mon[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${d.getFullYear()}"`;
        break;
      }
      case "__TIME__":
      case "__TIMESTAMP__": {
        const d = new Date();
        const p = (n: number) => String(n).padStart(2, "0");
        text = `"${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}"`;
        break;
      }
      default:
        return 0;
    }
    const t = this.lexSynthetic(text) ?? tok(OTHER, text);
    t.line = result.line;
    t.col = result.col;
    this.pushTokenInherit([t]);
    return 1;
  }

  // ---- output (c-ppoutput) ---------------------------------------------------------------

  /** The main loop (`scan_translation_unit`). */
  private scan(): void {
    for (;;) {
      const t = this.getToken();
      if (t.type === EOF) break;
      this.stream(t);
    }
  }

  /** `token_streamer::stream` for assembler mode (no line adjustments). */
  private stream(token: Tok): void {
    if (token.type === PADDING) {
      this.avoidPasteFlag = true;
      if (
        this.source === null ||
        (!(this.source.flags & PREV_WHITE) && token.source == null)
      ) {
        this.source = token.source ?? null;
      }
      return;
    }
    if (this.avoidPasteFlag) {
      if (this.source === null) this.source = token;
      if (
        (this.source.flags & PREV_WHITE) ||
        (this.prevTok && avoidPaste(this.prevTok, token)) ||
        (this.prevTok === null && token.type === HASH)
      ) {
        this.out.push(" ");
        this.printed = true;
      }
    } else if (token.flags & PREV_WHITE) {
      this.out.push(" ");
      this.printed = true;
    }
    this.avoidPasteFlag = false;
    this.source = null;
    this.prevTok = token;
    if (--this.tokenBudget < 0) this.spend(0);
    this.out.push(token.text);
    this.printed = true;
  }

  /** `cb_line_change` / `do_line_change`. */
  private lineChange(t: Tok): void {
    const b = t.buf ?? this.buffer;
    this.maybePrintLine(t.line + b.lineDelta, b.name);
    this.prevTok = null;
    this.source = null;
    const spaces = t.col - 2;
    if (spaces > 0) this.out.push(" ".repeat(spaces));
    this.printed = true;
  }

  /** `maybe_print_line_1`. */
  private maybePrintLine(line: number, file: string): void {
    if (this.printed) {
      this.out.push("\n");
      this.srcLine++;
      this.printed = false;
    }
    if (line >= this.srcLine && line < this.srcLine + 8 && file === this.srcFile) {
      while (line > this.srcLine) {
        this.out.push("\n");
        this.srcLine++;
      }
    } else {
      this.printLine(line, file, "", this.buffer ? this.buffer.sysp : 0);
    }
  }

  /** `print_line_1`. */
  private printLine(line: number, file: string, flags: string, sysp: number): void {
    if (this.printed) this.out.push("\n");
    this.printed = false;
    this.srcLine = line;
    this.srcFile = file;
    this.out.push(`# ${line} "${quoteString(file)}"${flags}${sysp ? " 3" : ""}\n`);
  }
}

/** libcpp's internal pragmas (`_cpp_init_internal_pragmas`). */
const INTERNAL_PRAGMAS = new Set(["once", "push_macro", "pop_macro", "poison"]);

/** libcpp's internal `#pragma GCC ...` pragmas. */
const GCC_PRAGMAS = new Set(["poison", "system_header", "dependency", "warning", "error"]);

/** Directive names. */
const DIRECTIVES = new Set([
  "define",
  "include",
  "endif",
  "ifdef",
  "if",
  "else",
  "ifndef",
  "undef",
  "line",
  "elif",
  "elifdef",
  "elifndef",
  "error",
  "pragma",
  "warning",
  "include_next",
  "ident",
  "import",
  "assert",
  "unassert",
  "sccs",
]);

/** Conditional directives (processed even while skipping). */
const COND = new Set(["if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif"]);

/** Directives that may open a file's include guard. */
const IF_COND = new Set(["if", "ifdef", "ifndef"]);

/** Whether two macro definitions differ (libcpp `cpp_compare_macros`). */
function macrosDiffer(a: Macro, b: Macro): boolean {
  if (a.funLike !== b.funLike || a.variadic !== b.variadic) return true;
  if (a.params.length !== b.params.length) return true;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return true;
  if (a.tokens.length !== b.tokens.length) return true;
  for (let i = 0; i < a.tokens.length; i++) {
    const x = a.tokens[i], y = b.tokens[i];
    if (x.type !== y.type || x.text !== y.text || x.arg !== y.arg) return true;
    const mask = PREV_WHITE | STRINGIFY_ARG | PASTE_LEFT;
    if ((x.flags & mask) !== (y.flags & mask)) return true;
  }
  return false;
}

/** Interpret C escapes in a string literal body (for #line file names). */
function interpretString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i];
    switch (n) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "a":
        out += "\x07";
        break;
      case "b":
        out += "\b";
        break;
      case "f":
        out += "\f";
        break;
      case "v":
        out += "\v";
        break;
      case "x": {
        let v = 0;
        let k = i + 1;
        while (k < s.length && /[0-9a-fA-F]/.test(s[k])) v = v * 16 + parseInt(s[k++], 16);
        out += String.fromCharCode(v & 0xff);
        i = k - 1;
        break;
      }
      default:
        if (n >= "0" && n <= "7") {
          let v = 0;
          let k = i;
          while (k < s.length && k < i + 3 && s[k] >= "0" && s[k] <= "7") {
            v = v * 8 + (s.charCodeAt(k++) - 48);
          }
          out += String.fromCharCode(v & 0xff);
          i = k - 1;
        } else {
          out += n;
        }
    }
  }
  return out;
}

/** libcpp's `vaopt_state` (macro.cc) for one expansion. */
class VaOpt {
  private variadic: boolean;
  private arg: MacroArg | undefined;
  private expand: (a: MacroArg) => void;
  private state = 0;
  private updateKind: "error" | "drop" | "include" = "error";
  stringify = false;

  constructor(m: Macro, arg: MacroArg | undefined, expand: (a: MacroArg) => void) {
    this.variadic = m.variadic;
    this.arg = arg;
    this.expand = expand;
  }

  update(t: Tok): "include" | "drop" | "begin" | "end" {
    if (!this.variadic) return "include";
    if (t.type === NAME && t.text === "__VA_OPT__") {
      this.state = 1;
      this.stringify = (t.flags & STRINGIFY_ARG) !== 0;
      return "begin";
    }
    if (this.state === 1) {
      if (t.type !== OPEN_PAREN) return "include";
      this.state = 2;
      if (this.updateKind === "error") {
        if (!this.arg) this.updateKind = "include";
        else {
          this.updateKind = "drop";
          this.expand(this.arg);
          for (const x of this.arg.expanded ?? []) {
            if (x.type !== PADDING) {
              this.updateKind = "include";
              break;
            }
          }
        }
      }
      return "drop";
    }
    if (this.state >= 2) {
      if (this.state === 2) this.state = 3;
      if (t.type === OPEN_PAREN) this.state++;
      else if (t.type === CLOSE_PAREN) {
        this.state--;
        if (this.state === 2) {
          this.state = 0;
          return "end";
        }
      }
      return this.updateKind === "include" ? "include" : "drop";
    }
    return "include";
  }
}

// ---- #if expression evaluation -----------------------------------------------------------

interface Num {
  v: bigint; // two's complement bits, 0 <= v < 2^64
  unsigned: boolean;
}

const MASK64 = (1n << 64n) - 1n;

function toSigned(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** An operator-precedence evaluator for `#if` (libcpp expr.cc semantics). */
class ExprParser {
  private toks: Tok[];
  private i = 0;
  private skipEval = 0;
  // Diagnostics at a token, or (null) at the end of the expression, as libcpp places them.
  private err: (m: string, at: Tok | null) => never;
  private warn: (m: string, at: Tok | null) => void;

  constructor(
    toks: Tok[],
    err: (m: string, at: Tok | null) => never,
    warn: (m: string, at: Tok | null) => void,
  ) {
    this.toks = toks;
    this.err = err;
    this.warn = warn;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  parse(): Num {
    const v = this.comma();
    const t = this.peek();
    if (t) {
      if (t.type === CLOSE_PAREN) this.err("Missing '(' in expression", t);
      if (t.type === COLON) this.err("':' without preceding '?'", t);
      this.err(`Missing binary operator before token "${t.text}"`, t);
    }
    return v;
  }

  private comma(): Num {
    let v = this.cond();
    while (this.peek()?.type === COMMA) {
      this.i++;
      v = this.cond();
    }
    return v;
  }

  private cond(): Num {
    const c = this.binary(0);
    if (this.peek()?.type !== QUERY) return c;
    this.i++;
    const truth = c.v !== 0n;
    if (!truth) this.skipEval++;
    const a = this.comma();
    if (!truth) this.skipEval--;
    if (this.peek()?.type !== COLON) {
      const t = this.peek();
      this.err(t ? `Missing ':' before token "${t.text}"` : "'?' without following ':'", t ?? null);
    }
    this.i++;
    if (truth) this.skipEval++;
    const b = this.cond();
    if (truth) this.skipEval--;
    const r = truth ? a : b;
    return { v: r.v, unsigned: a.unsigned || b.unsigned };
  }

  private static readonly LEVELS: number[][] = [
    [OR_OR],
    [AND_AND],
    [OR],
    [XOR],
    [AND],
    [EQ_EQ, NOT_EQ],
    [LESS, GREATER, LESS_EQ, GREATER_EQ],
    [LSHIFT, RSHIFT],
    [PLUS, MINUS],
    [MULT, DIV, MOD],
  ];

  private binary(level: number): Num {
    if (level === ExprParser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = ExprParser.LEVELS[level];
    for (;;) {
      const t = this.peek();
      if (!t || !ops.includes(t.type)) return left;
      this.i++;
      if (t.type === OR_OR || t.type === AND_AND) {
        const lt = left.v !== 0n;
        const skip = t.type === OR_OR ? lt : !lt;
        if (skip) this.skipEval++;
        const right = this.binary(level + 1);
        if (skip) this.skipEval--;
        const rt = right.v !== 0n;
        left = { v: (t.type === OR_OR ? lt || rt : lt && rt) ? 1n : 0n, unsigned: false };
        continue;
      }
      if (!this.peek()) this.err(`Operator '${t.text}' has no right operand`, null);
      const right = this.binary(level + 1);
      left = this.apply(t, left, right);
    }
  }

  private apply(op: Tok, a: Num, b: Num): Num {
    const uns = a.unsigned || b.unsigned;
    switch (op.type) {
      case OR:
        return { v: a.v | b.v, unsigned: uns };
      case XOR:
        return { v: a.v ^ b.v, unsigned: uns };
      case AND:
        return { v: a.v & b.v, unsigned: uns };
      case EQ_EQ:
        return { v: a.v === b.v ? 1n : 0n, unsigned: false };
      case NOT_EQ:
        return { v: a.v !== b.v ? 1n : 0n, unsigned: false };
      case LESS:
      case GREATER:
      case LESS_EQ:
      case GREATER_EQ: {
        const x = uns ? a.v : toSigned(a.v);
        const y = uns ? b.v : toSigned(b.v);
        const r = op.type === LESS
          ? x < y
          : op.type === GREATER
          ? x > y
          : op.type === LESS_EQ
          ? x <= y
          : x >= y;
        return { v: r ? 1n : 0n, unsigned: false };
      }
      case LSHIFT:
      case RSHIFT: {
        let n = b.unsigned ? b.v : toSigned(b.v);
        let left = op.type === LSHIFT;
        if (n < 0n) {
          left = !left;
          n = -n;
        }
        if (left) {
          if (n >= 64n) return { v: 0n, unsigned: a.unsigned };
          return { v: (a.v << n) & MASK64, unsigned: a.unsigned };
        }
        if (a.unsigned) return { v: n >= 64n ? 0n : a.v >> n, unsigned: true };
        const s = toSigned(a.v);
        return { v: BigInt.asUintN(64, n >= 64n ? (s < 0n ? -1n : 0n) : s >> n), unsigned: false };
      }
      case PLUS:
        return this.overflowCheck({ v: (a.v + b.v) & MASK64, unsigned: uns }, a, b, "+");
      case MINUS:
        return this.overflowCheck({ v: (a.v - b.v) & MASK64, unsigned: uns }, a, b, "-");
      case MULT: {
        const r = uns ? (a.v * b.v) & MASK64 : BigInt.asUintN(64, toSigned(a.v) * toSigned(b.v));
        if (!uns && !this.skipEval && toSigned(a.v) * toSigned(b.v) !== toSigned(r)) {
          this.warn("integer overflow in preprocessor expression", null);
        }
        return { v: r, unsigned: uns };
      }
      case DIV:
      case MOD: {
        if (b.v === 0n) {
          if (!this.skipEval) this.err("Division by zero in #if", op);
          return { v: 0n, unsigned: uns };
        }
        if (uns) return { v: op.type === DIV ? a.v / b.v : a.v % b.v, unsigned: true };
        const x = toSigned(a.v), y = toSigned(b.v);
        return { v: BigInt.asUintN(64, op.type === DIV ? x / y : x % y), unsigned: false };
      }
    }
    this.err(`Token "${op.text}" is not valid in preprocessor expressions`, op);
  }

  private overflowCheck(r: Num, a: Num, b: Num, op: string): Num {
    if (!r.unsigned && !this.skipEval) {
      const x = toSigned(a.v), y = toSigned(b.v);
      const exact = op === "+" ? x + y : x - y;
      if (exact !== toSigned(r.v)) this.warn("integer overflow in preprocessor expression", null);
    }
    return r;
  }

  private depth = 0;

  private unary(): Num {
    const t = this.peek();
    if (!t) this.err("#if with no expression", null);
    if (++this.depth > MAX_EXPR_DEPTH) this.err("#if expression nested too deeply", t);
    try {
      return this.unary1(t);
    } finally {
      this.depth--;
    }
  }

  private unary1(t: Tok): Num {
    switch (t.type) {
      case PLUS:
        this.i++;
        return this.unary();
      case MINUS: {
        this.i++;
        const v = this.unary();
        return { v: (-v.v) & MASK64, unsigned: v.unsigned };
      }
      case COMPL: {
        this.i++;
        const v = this.unary();
        return { v: ~v.v & MASK64, unsigned: v.unsigned };
      }
      case NOT: {
        this.i++;
        const v = this.unary();
        return { v: v.v === 0n ? 1n : 0n, unsigned: false };
      }
      case OPEN_PAREN: {
        this.i++;
        const close = this.peek();
        if (close?.type === CLOSE_PAREN) this.err("Missing expression between '(' and ')'", close);
        const v = this.comma();
        if (this.peek()?.type !== CLOSE_PAREN) this.err("Missing ')' in expression", t);
        this.i++;
        return v;
      }
      case NUMBER:
        this.i++;
        return this.number(t);
      case CHAR:
      case WCHAR:
        this.i++;
        return charConstant(t.text, t.type === WCHAR, (m) => this.warn(m, t));
      case NAME:
        this.i++;
        return { v: 0n, unsigned: false };
      case HASH:
        this.err("Assertions are not supported in #if", t);
    }
    if (isOperator(t.type) && t.type !== OPEN_PAREN) {
      this.err(`Operator '${t.text}' has no left operand`, t);
    }
    this.err(`Token "${t.text}" is not valid in preprocessor expressions`, t);
  }

  /** libcpp `cpp_classify_number` + `cpp_interpret_integer` for integers. */
  private number(tk: Tok): Num {
    const text = tk.text;
    const lower = text.toLowerCase();
    let i = 0;
    let base = 10;
    if (lower.startsWith("0x")) {
      base = 16;
      i = 2;
    } else if (lower.startsWith("0b")) {
      base = 2;
      i = 2;
    } else if (lower.startsWith("0")) {
      base = 8;
    }
    const digitsStart = i;
    let v = 0n;
    const bb = BigInt(base);
    let overflow = false;
    while (i < text.length) {
      const c = lower.charCodeAt(i);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (base === 16 && c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else break;
      if (d >= base) {
        if (base === 8 && d < 10) this.err(`Invalid digit "${text[i]}" in octal constant`, tk);
        if (base === 2 && d < 10) this.err(`Invalid digit "${text[i]}" in binary constant`, tk);
        break;
      }
      v = v * bb + BigInt(d);
      if (v > MASK64) overflow = true;
      i++;
    }
    const suffix = lower.slice(i);
    if (
      suffix.includes(".") || (base !== 16 && /^e/.test(suffix)) ||
      (base === 16 && /^p/.test(suffix))
    ) {
      this.err("Floating constant in preprocessor expression", tk);
    }
    if (i === digitsStart && base !== 8) {
      this.err(`Invalid suffix "${text.slice(i)}" on integer constant`, tk);
    }
    if (!/^(u|l|ul|lu|ll|ull|llu)?$/.test(suffix)) {
      this.err(`Invalid suffix "${text.slice(i)}" on integer constant`, tk);
    }
    if (overflow) {
      this.warn("integer constant is too large for its type", tk);
      v &= MASK64;
    }
    let unsigned = suffix.includes("u");
    if (!unsigned && v > (1n << 63n) - 1n) {
      if (base === 10) this.warn("integer constant is so large that it is unsigned", tk);
      unsigned = true;
    }
    return { v, unsigned };
  }
}

/** A character constant's value in `#if` (x86-64: `char` is signed, `int` is 32 bits). */
function charConstant(text: string, wide: boolean, warn: (m: string) => void): Num {
  const body = text.slice(wide ? 2 : 1, -1);
  const chars: number[] = [];
  for (let i = 0; i < body.length; i++) {
    let c = body.charCodeAt(i);
    if (c === 0x5c && i + 1 < body.length) {
      const n = body[++i];
      if (n === "x") {
        let v = 0;
        let k = i + 1;
        while (k < body.length && /[0-9a-fA-F]/.test(body[k])) v = v * 16 + parseInt(body[k++], 16);
        c = v;
        i = k - 1;
      } else if (n >= "0" && n <= "7") {
        let v = 0;
        let k = i;
        while (k < body.length && k < i + 3 && body[k] >= "0" && body[k] <= "7") {
          v = v * 8 + (body.charCodeAt(k++) - 48);
        }
        c = v;
        i = k - 1;
      } else {
        c =
          ({ n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, e: 27 } as Record<string, number>)[n] ??
            n.charCodeAt(0);
      }
    }
    chars.push(c & 0xff);
  }
  if (chars.length === 0) return { v: 0n, unsigned: false };
  if (wide) {
    return { v: BigInt.asUintN(64, BigInt(chars[chars.length - 1] | 0)), unsigned: false };
  }
  if (chars.length === 1) {
    const s = chars[0] >= 0x80 ? chars[0] - 0x100 : chars[0];
    return { v: BigInt.asUintN(64, BigInt(s)), unsigned: false };
  }
  warn("multi-character character constant");
  let r = 0;
  for (const c of chars.slice(-4)) r = ((r << 8) | c) >>> 0;
  return { v: BigInt.asUintN(64, BigInt(r | 0)), unsigned: false };
}
