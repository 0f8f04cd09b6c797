// Builds the commander program: one file per command, each exporting register().

import { Command } from 'commander';
import { version } from '../info.js';
import { register as registerInfo } from './info.js';
import { register as registerData } from './data.js';
import { register as registerSynth } from './synth.js';
import { register as registerTrain } from './train.js';
import { register as registerRoute } from './route.js';
import { register as registerEval } from './eval.js';
import { register as registerCompare } from './compare.js';
import { register as registerDemo } from './demo.js';
import { register as registerServe } from './serve.js';

export function buildProgram(): Command {
  const program = new Command();
  program.name('taskroute').description('route each prompt to the LLM that should answer it').version(version());
  registerInfo(program);
  registerData(program);
  registerDemo(program);
  registerCompare(program);
  registerTrain(program);
  registerRoute(program);
  registerEval(program);
  registerServe(program);
  registerSynth(program);
  return program;
}
