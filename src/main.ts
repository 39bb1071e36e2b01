// Entry point of the `neurocards` executable (and of `npm start`). Written without top-level
// await: the single executable runs it as a CommonJS bundle.
import { isSea } from "node:sea";
import { runCli } from "./cli/index.ts";
import { processIo } from "./cli/io.ts";

// Node stays quiet about deprecated APIs used inside node_modules, but in the bundle every
// dependency looks like our own code (grammY's node-fetch calls url.parse on every request), so
// the owner would see DEP0169 on each start and could do nothing about it. Development runs
// (tsx) still print them.
if (isSea()) process.noDeprecation = true;

runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
  // Whatever a command forgot to close must not keep the process alive after it finished.
  setTimeout(() => process.exit(code), 1_000).unref();
});
