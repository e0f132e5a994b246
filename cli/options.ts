/**
 * Checks of command-line values shared by every command that reads a board, done before any
 * work so that a typo is one error line rather than a silently different run.
 *
 * @module
 */

import { InputError } from "../errors.ts";

/**
 * Check `-D NAME[=VALUE]` definitions as cpp does (`-D NAME(ARGS)=BODY` too): the name must be
 * an identifier ("macro names must be identifiers"). dom0sim runs the preprocessor only for
 * sources that use it, so a bad name would otherwise pass unnoticed.
 */
export function checkDefines(defines: string[] | undefined): void {
  for (const d of defines ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\([^)]*\))?(=|$)/.test(d)) {
      throw new InputError(
        "-D",
        `macro names must be identifiers, got '${d}' (expected NAME or NAME=VALUE)`,
      );
    }
  }
}
