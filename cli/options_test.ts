import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { checkDefines } from "./options.ts";

Deno.test("checkDefines() accepts cpp's -D forms and refuses names that are not identifiers", () => {
  checkDefines(undefined);
  checkDefines(["DEBUG", "SW_X=1", "_a9=", "F(x)=((x)+1)", "EMPTY="]);
  for (const bad of ["", "=1", "1abc", "a b", "-x", "a-b=1"]) {
    assert.throws(
      () => checkDefines([bad]),
      (e: unknown) =>
        e instanceof InputError &&
        e.line() ===
          `-D: error: macro names must be identifiers, got '${bad}' (expected NAME or NAME=VALUE)`,
      JSON.stringify(bad),
    );
  }
});
