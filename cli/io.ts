/**
 * The command line's I/O: reading inputs, writing outputs atomically, printing, exit codes.
 * Everything goes through `node:fs`/`node:process` so the one-file bundle runs under Deno and Node
 * alike (and inside a Node single executable).
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { InputError } from "../errors.ts";

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: the run found a problem (dom0 faulted, an error-level lint finding, ...). */
export const EXIT_FINDING = 1;
/** Exit status: bad input (one error line was printed). */
export const EXIT_BAD_INPUT = 2;
/** Exit status: an internal error in dom0sim (a bug). */
export const EXIT_INTERNAL = 3;

/** The system error text for a Node-style error code ("No such file or directory", ...). */
function sysText(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "not a directory";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** Read a whole input file; a missing/unreadable file is an InputError located at the path. */
export function readInput(path: string): Uint8Array {
  try {
    if (path === "-") return new Uint8Array(fs.readFileSync(0));
    return new Uint8Array(fs.readFileSync(path));
  } catch (e) {
    throw new InputError(path, `cannot read file: ${sysText(e)}`);
  }
}

/**
 * Parse JSON text read from `file`. A syntax error is an InputError at `file:LINE:COL` (where the
 * JSON parser stopped), one line, without the parser's own position suffix or text excerpt.
 */
export function parseJsonText(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ");
    const offset = jsonErrorOffset(text, msg);
    const before = text.slice(0, offset).split("\n");
    const where = `${file}:${before.length}:${before[before.length - 1].length + 1}`;
    const what = msg.replace(
      / (in|after) JSON at position \d+.*$/,
      (_m, w) => w === "after" ? " after the JSON value" : "",
    )
      .replace(/, (\.\.\.)?".*" is not valid JSON$/, "")
      .replace(/^Unexpected end of JSON input$/, "Unexpected end of input");
    throw new InputError(where, `invalid JSON: ${what}`);
  }
}

/** The offset of a JSON syntax error: from the parser's message, else by parsing prefixes. */
function jsonErrorOffset(text: string, msg: string): number {
  const pos = msg.match(/at position (\d+)/);
  if (pos) return Number(pos[1]);
  if (/Unexpected end of JSON input/.test(msg)) return text.length;
  // V8 gives no position for "Unexpected token": find the shortest prefix that is wrong rather
  // than unfinished (a prefix before the error parses, or stops at its own end).
  const wrong = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const m = e instanceof Error ? e.message : "";
      const at = m.match(/at position (\d+)/);
      return !/Unexpected end of JSON input/.test(m) && !(at && Number(at[1]) === n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wrong(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/**
 * Check, before any work, that `path` can receive an output (so a long boot never ends in a
 * write error, and a run never leaves some outputs written and others not). `flag` names the
 * option for messages. `-` is stdout: refused when the command's text or JSON already goes
 * there (`stdoutTaken`), and for binary data when stdout is a terminal.
 */
export function checkOutputPath(
  flag: string,
  path: string,
  opts: { binary?: boolean; stdoutTaken?: boolean } = {},
): void {
  if (path === "") throw new InputError(flag, "expected a file name");
  if (path === "-") {
    if (opts.stdoutTaken) {
      throw new InputError(
        flag,
        "'-' (stdout) already carries the command's output; give a file name",
      );
    }
    if (opts.binary && stdoutIsTerminal()) {
      throw new InputError(
        flag,
        "refusing to write binary data to a terminal; redirect stdout or give a file name",
      );
    }
    return;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new InputError(path, "cannot write file: is a directory");
  if (st && !st.isFile()) return; // a device or FIFO: written in place
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  let d: fs.Stats;
  try {
    d = fs.statSync(dir);
  } catch (e) {
    throw new InputError(path, `cannot write file: ${sysText(e)}`);
  }
  if (!d.isDirectory()) throw new InputError(path, "cannot write file: not a directory");
}

/**
 * A `readFile` callback for the libraries (includes, `/incbin/`): returns the bytes, or
 * undefined when the file does not exist or is not a regular file.
 */
export function readFileOrUndefined(path: string): Uint8Array | undefined {
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) return undefined;
    return new Uint8Array(fs.readFileSync(path));
  } catch {
    return undefined;
  }
}

/**
 * Write an output file atomically: the data goes to a temporary file beside the target, which
 * is renamed over it, so a failure never leaves a partial file. `-` writes to stdout.
 */
export function writeOutput(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  if (path === "-") {
    writeStdout(bytes);
    return;
  }
  if (isSpecialFile(path)) {
    // A device or FIFO (-o /dev/null, a pipe): write into it; renaming over it would replace it.
    try {
      fs.writeFileSync(path, bytes);
    } catch (e) {
      throw new InputError(path, `cannot write file: ${sysText(e)}`);
    }
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw new InputError(path, `cannot write file: ${sysText(e)}`);
  }
}

/** Whether `path` exists and is not a regular file (a device, a FIFO, a socket). */
function isSpecialFile(path: string): boolean {
  try {
    const st = fs.statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * An environment variable, or undefined when it is unset or the process may not read it (the
 * tasks grant only --allow-read/--allow-write; Deno lets NO_COLOR through regardless).
 */
export function envVar(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/** Write bytes or text to stdout (synchronously, so output order is kept). */
export function writeStdout(data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(1, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as { code?: string }).code === "EAGAIN") continue;
      if ((e as { code?: string }).code === "EPIPE") return;
      throw e;
    }
  }
}

/** Write a line to stderr. */
export function writeStderr(line: string): void {
  const bytes = new TextEncoder().encode(line.endsWith("\n") ? line : line + "\n");
  let off = 0;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(2, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as { code?: string }).code === "EAGAIN") continue;
      return;
    }
  }
}

/** Whether colour may be used on a stream: a terminal and `NO_COLOR` unset or empty. */
export function useColor(fd: 1 | 2): boolean {
  const noColor = envVar("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  try {
    return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
  } catch {
    return false;
  }
}

/** Whether stdout is a terminal (progress bars are drawn only there). */
export function stdoutIsTerminal(): boolean {
  try {
    return Boolean(process.stdout.isTTY);
  } catch {
    return false;
  }
}

/** The process's argument vector after the script name. */
export function processArgs(): string[] {
  return process.argv.slice(2);
}

/**
 * Run a subcommand body and turn errors into exit codes: an InputError prints its one line and
 * gives 2; anything else is a bug in dom0sim, printed as one line (with the stack only when
 * `DOM0SIM_DEBUG` is set) and gives 3.
 */
export async function guard(body: () => number | Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof InputError) {
      writeStderr(e.line());
      return EXIT_BAD_INPUT;
    }
    if (isUsageError(e)) {
      writeStderr(`error: ${usageText(e as Error)}`);
      return EXIT_BAD_INPUT;
    }
    const msg = e instanceof Error ? e.message : String(e);
    writeStderr(`dom0sim: internal error: ${msg} (please report this with the input)`);
    if (envVar("DOM0SIM_DEBUG") && e instanceof Error && e.stack) writeStderr(e.stack);
    return EXIT_INTERNAL;
  }
}

/**
 * parseArgs's message as one dom0sim-style line: its messages are sentences over several lines
 * ("Unknown option '--x'. To specify a positional argument ...").
 */
export function usageText(e: Error): string {
  const code = (e as { code?: string }).code;
  const msg = e.message;
  const opt = msg.match(/'(-[^' ]*)(?:, (--[^' ]*))?(?: <value>)?'/);
  const name = opt ? (opt[2] ?? opt[1]) : undefined;
  if (name !== undefined) {
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      return `unknown option '${name}' (see --help)`;
    }
    if (/argument missing/.test(msg)) return `option '${name}' needs a value`;
    if (/argument is ambiguous/.test(msg)) {
      return `option '${name}' is followed by a value that starts with '-'; ` +
        `write ${name}=VALUE if that is its value`;
    }
    if (/does not take an argument/.test(msg)) return `option '${name}' takes no value`;
  }
  const first = msg.split("\n")[0].replace(/\.$/, "");
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** Errors `node:util` parseArgs throws for unknown or malformed options. */
function isUsageError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** Exit the process with `code` after flushing. */
export function exit(code: number): never {
  process.exit(code);
}
