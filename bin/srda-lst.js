#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx srda-lst` works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

register();
// A reader that closed the pipe early (`srda-lst batch DIR --list | head -1`) ends the command
// quietly, as other command-line tools do; any other stdout error still surfaces.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(join(here, '..', 'src', 'cli', 'main.ts'));
process.exitCode = await main(process.argv.slice(2));
