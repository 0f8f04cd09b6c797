#!/usr/bin/env node
// The taskroute executable: runs the commander program and prints errors without a stack.

import { buildProgram } from './program.js';
import { TaskrouteError } from '../errors.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof TaskrouteError || err instanceof TypeError || err instanceof RangeError) {
      process.stderr.write(`taskroute: ${err.message}\n`);
      if (process.env.TASKROUTE_DEBUG) process.stderr.write(`${err.stack}\n`);
    } else {
      process.stderr.write(`taskroute: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  });
