// Entry point when running the CLI from sources (tests, `tsx src/cli/run.ts`).
import { main } from "./main.js";

process.exit(await main(process.argv));
