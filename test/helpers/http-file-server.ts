// A file server in its own process, so a test can watch the server's memory alone (the test
// process's own garbage would blur it). Usage: node --import tsx http-file-server.ts <storage dir>;
// prints the port on stdout and serves until killed.

import { testConfig, testHttpServer } from "./http.ts";

const config = testConfig(process.argv[2]!);
const server = testHttpServer(config);
const { port } = await server.listen();
process.stdout.write(`${port}\n`);
