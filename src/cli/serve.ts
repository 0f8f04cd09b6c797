// `taskroute serve`: an HTTP routing server over one trained router (src/server):
// POST /v1/route, POST /v1/estimate, GET /v1/router, /healthz, /metrics; micro-batching;
// graceful shutdown on SIGTERM / SIGINT.

import type { Command } from 'commander';
import { Router } from '../api.js';
import { TaskrouteError } from '../errors.js';
import { createRoutingServer, formatLogEntry, parseByteSize } from '../server/index.js';
import { intOption, numberOption } from './common.js';

interface ServeCliOptions {
  router: string;
  host: string;
  port: number;
  maxBatch: number;
  maxBody: string;
  concurrency: number;
  batchWindowMs: number;
  jsonLogs?: boolean;
  logPrompts?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a trained router over HTTP (POST /v1/route, /v1/estimate; GET /v1/router, /healthz, /metrics)')
    .requiredOption('--router <file>', 'router file written by `taskroute train`')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', intOption('--port', 0, 65535), 8080)
    .option('--max-batch <n>', 'most prompts per native batch and per request', intOption('--max-batch', 1, 1 << 20), 4096)
    .option('--max-body <size>', 'largest request body (e.g. 16mb)', '16mb')
    .option('--concurrency <n>', 'native batches at once', intOption('--concurrency', 1, 64), 1)
    .option('--batch-window-ms <ms>', 'how long to coalesce small requests into one batch', numberOption('--batch-window-ms', 0, 1000), 2)
    .option('--json-logs', 'one JSON line per request on stderr')
    .option('--log-prompts', 'include the prompts in the request log (off by default)')
    .option('--quiet', 'no request log')
    .action(async (o: ServeCliOptions) => {
      parseByteSize(o.maxBody); // clear error on a bad size before loading anything
      let router: Router;
      try {
        router = await Router.load(o.router);
      } catch (err) {
        throw new TaskrouteError('ERR_TASKROUTE_ARTIFACT', `cannot serve: ${(err as Error).message}`, { cause: err });
      }
      const s = createRoutingServer(router, {
        maxBatch: o.maxBatch,
        maxBody: o.maxBody,
        concurrency: o.concurrency,
        batchWindowMs: o.batchWindowMs,
        logPrompts: Boolean(o.logPrompts),
        log: o.quiet ? undefined : (e) => process.stderr.write(`${formatLogEntry(e, Boolean(o.jsonLogs))}\n`),
      });
      const { url } = await s.listen(o.port, o.host);
      process.stderr.write(`taskroute: serving ${router.method} (${router.models.length} models) on ${url}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`taskroute: ${signal}: finishing in-flight requests\n`);
        s.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
