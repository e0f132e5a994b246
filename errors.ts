/**
 * Errors for bad user input. Library code throws these; only the CLI prints them, as one line
 * `LOCATION: error: message`, and exits with status 2.
 *
 * @module
 */

/**
 * An error caused by the user's input (a board file, a DTB, a command-line value), never by a bug
 * in dom0sim. `location` is `file:line:col` for source text, `file: byte 0xOFF` for binary input,
 * a node path for tree-level problems, or empty when nothing more precise is known.
 *
 * @example
 * ```ts
 * import { InputError } from "./errors.ts";
 * const e = new InputError("board.dts:12:5", "label 'uart9' is not defined");
 * console.assert(e.line() === "board.dts:12:5: error: label 'uart9' is not defined");
 * ```
 */
export class InputError extends Error {
  /** Where the problem is (`file:line:col`, `file: byte 0x10`, a node path), or "". */
  readonly location: string;
  /** The message without the location: sentence case, no final period. */
  readonly detail: string;

  /** Make an error at `location` saying `detail`. */
  constructor(location: string, detail: string) {
    super(location ? `${location}: error: ${detail}` : `error: ${detail}`);
    this.name = "InputError";
    this.location = location;
    this.detail = detail;
  }

  /** The one line the CLI prints. */
  line(): string {
    return this.message;
  }
}
