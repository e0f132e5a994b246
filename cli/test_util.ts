/**
 * Shared by the CLI's unit tests: what a call prints when it fails as bad input.
 *
 * @module
 */
import assert from "node:assert/strict";
import { InputError } from "../errors.ts";

/** The one line an InputError from `f` prints, or "no error" when `f` returns. */
export function errorLine(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.line();
  }
  return "no error";
}
