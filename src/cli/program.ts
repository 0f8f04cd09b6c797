// Builds the commander program: one file per command, each exporting register().

import { Command } from 'commander';
import { version } from '../info.js';
import { register as registerInfo } from './info.js';
import { register as registerData } from './data.js';
import { register as registerSynth } from './synth.js';

export function buildProgram(): Command {
  const program = new Command();
  program.name('taskroute').description('route each prompt to the LLM that should answer it').version(version());
  registerInfo(program);
  registerData(program);
  registerSynth(program);
  return program;
}
