// `taskroute eval`: a trained router on the test split of a data set — the compare
// metrics for one router, as a table, JSON or the HTML report.

import type { Command } from 'commander';
import { Router } from '../api.js';
import { evaluateTrained } from '../eval/trained.js';
import { cliProgress, println } from './common.js';
import { formatCompare, writeOutputs } from './compare.js';
import { addDataOptions, loadDataFromOptions, type DataCliOptions } from './data-options.js';

interface EvalCliOptions extends DataCliOptions {
  router: string;
  json?: boolean;
  report?: string;
  plot?: string;
}

export function register(program: Command): void {
  const cmd = program.command('eval').description('evaluate a trained router on the test split of a data set');
  addDataOptions(cmd);
  cmd
    .requiredOption('--router <file>', 'router file written by `taskroute train`')
    .option('--json', 'print one JSON object (the compare shape, one router)')
    .option('--report <file.html>', 'write the self-contained HTML report')
    .option('--plot <file.svg>', 'write the cost–quality chart alone')
    .action(async (o: EvalCliOptions) => {
      const progress = cliProgress(o.json);
      const router = await Router.load(o.router);
      const data = await loadDataFromOptions(o, progress);
      const result = await evaluateTrained(router, data, { progress });
      await writeOutputs(result, o);
      println(o.json ? JSON.stringify(result) : formatCompare(result));
    });
}
