// Entry point of the `neurocards` executable (and of `npm start`). Written without top-level
// await: the single executable runs it as a CommonJS bundle.
import { runCli } from "./cli/index.ts";
import { processIo } from "./cli/io.ts";

runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
  // Whatever a command forgot to close must not keep the process alive after it finished.
  setTimeout(() => process.exit(code), 1_000).unref();
});
