// Micro-batching: requests that arrive close together are coalesced into one native
// batch (embed + estimate over every prompt at once) and the per-model estimates are
// split back by row, so each request gets exactly the rows it sent. The policy (λ,
// budget, floor) is applied afterwards per request, which is why requests with
// different policies share a batch; only requests that need a different native call
// (explain with its task count, precomputed embeddings of a given width) are kept apart.
//
// Scheduling is work-conserving: while `concurrency` batches are running, new requests
// queue and the next batch leaves as soon as a slot frees; an idle server waits at most
// `windowMs` for company before it runs a request alone.

import type { Estimate, TaskExplanation } from '../routers/types.js';

/** What one request (or one coalesced batch) asks of the router. */
export interface BatchInput {
  prompts: string[];
  /** [prompts.length × dim] precomputed embeddings (routers with the precomputed embedder). */
  embeddings?: Float32Array;
  /** With explain: the number of tasks to list per prompt; 0 without explain. */
  explainTop: number;
}

/** The router's answer for a batch's rows (or one request's slice of it). */
export interface BatchOutput {
  est: Estimate;
  /** With explain: the top tasks of each row (routers with task variables only). */
  tasks?: TaskExplanation[][];
  /** Prompts and requests of the native batch these rows came from (set by the batcher). */
  batchPrompts?: number;
  batchRequests?: number;
}

export type BatchRunner = (input: BatchInput) => Promise<BatchOutput>;

export interface MicroBatcherOptions {
  /** Most prompts in one native batch (a single request may not exceed it). */
  maxBatch: number;
  /** How long an idle batcher waits for more requests before running (ms; 0: the current event-loop turn only). */
  windowMs: number;
  /** Native batches running at once. */
  concurrency: number;
  /** Most prompts waiting at once; beyond it submit() rejects with QueueFullError. */
  maxQueuedPrompts: number;
  /** Called after every batch (for metrics). */
  onBatch?: (info: { prompts: number; requests: number; seconds: number; ok: boolean }) => void;
}

/** The queue is full: the caller should answer 503 and let the client retry. */
export class QueueFullError extends Error {
  constructor(queued: number, limit: number) {
    super(`the routing queue is full (${queued} prompts waiting, limit ${limit}); retry shortly`);
    this.name = 'QueueFullError';
  }
}

interface Job {
  input: BatchInput;
  key: string;
  resolve: (out: BatchOutput) => void;
  reject: (err: unknown) => void;
}

/** Rows [from, from + n) of an estimate, as views (no copy). */
export function sliceEstimate(est: Estimate, from: number, n: number): Estimate {
  const M = est.models;
  return {
    quality: est.quality.subarray(from * M, (from + n) * M),
    cost: est.cost.subarray(from * M, (from + n) * M),
    n,
    models: M,
  };
}

export class MicroBatcher {
  private queue: Job[] = [];
  private queued = 0;
  private running = 0;
  private timer?: NodeJS.Timeout | NodeJS.Immediate;
  private batchCount = 0;

  constructor(
    private readonly run: BatchRunner,
    private readonly o: MicroBatcherOptions,
  ) {}

  /** Prompts waiting for a batch. */
  get queuedPrompts(): number {
    return this.queued;
  }

  /** Requests waiting for a batch. */
  get queuedRequests(): number {
    return this.queue.length;
  }

  /** Batches running now. */
  get inflightBatches(): number {
    return this.running;
  }

  /** Batches started so far. */
  get batches(): number {
    return this.batchCount;
  }

  /** Queues one request; resolves with its rows of the batch it ends up in. */
  submit(input: BatchInput): Promise<BatchOutput> {
    const n = input.prompts.length;
    if (n > this.o.maxBatch) return Promise.reject(new RangeError(`a request of ${n} prompts exceeds the batch limit ${this.o.maxBatch}`));
    if (this.queued + n > this.o.maxQueuedPrompts) return Promise.reject(new QueueFullError(this.queued, this.o.maxQueuedPrompts));
    const dim = input.embeddings ? input.embeddings.length / Math.max(1, n) : -1;
    return new Promise<BatchOutput>((resolve, reject) => {
      this.queue.push({ input, key: `${input.explainTop}|${dim}`, resolve, reject });
      this.queued += n;
      if (this.queued >= this.o.maxBatch) this.dispatch();
      else if (!this.timer && this.running < this.o.concurrency) this.arm();
    });
  }

  /** Runs whatever is queued now, without waiting for the window (shutdown). */
  flush(): void {
    this.dispatch();
  }

  private arm(): void {
    const fire = () => {
      this.timer = undefined;
      this.dispatch();
    };
    this.timer = this.o.windowMs > 0 ? setTimeout(fire, this.o.windowMs) : setImmediate(fire);
  }

  private disarm(): void {
    if (!this.timer) return;
    if (this.o.windowMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private dispatch(): void {
    this.disarm();
    while (this.running < this.o.concurrency && this.queue.length) this.start(this.take());
  }

  /** The head of the queue plus every later job with the same key that still fits, in order. */
  private take(): Job[] {
    const head = this.queue[0];
    const batch: Job[] = [head];
    const rest: Job[] = [];
    let total = head.input.prompts.length;
    for (let i = 1; i < this.queue.length; i++) {
      const j = this.queue[i];
      const n = j.input.prompts.length;
      if (j.key === head.key && total + n <= this.o.maxBatch) {
        batch.push(j);
        total += n;
      } else rest.push(j);
    }
    this.queue = rest;
    this.queued -= total;
    return batch;
  }

  private start(jobs: Job[]): void {
    this.running++;
    this.batchCount++;
    const t0 = process.hrtime.bigint();
    let input: BatchInput;
    if (jobs.length === 1) input = jobs[0].input;
    else {
      const prompts: string[] = [];
      for (const j of jobs) for (const p of j.input.prompts) prompts.push(p);
      let embeddings: Float32Array | undefined;
      if (jobs[0].input.embeddings) {
        embeddings = new Float32Array(jobs.reduce((s, j) => s + j.input.embeddings!.length, 0));
        let o = 0;
        for (const j of jobs) {
          embeddings.set(j.input.embeddings!, o);
          o += j.input.embeddings!.length;
        }
      }
      input = { prompts, embeddings, explainTop: jobs[0].input.explainTop };
    }
    let ok = false;
    Promise.resolve()
      .then(() => this.run(input))
      .then((out) => {
        const expected = input.prompts.length;
        if (out.est.n !== expected || out.est.quality.length !== expected * out.est.models || (out.tasks && out.tasks.length !== expected))
          throw new Error(`the router returned ${out.est.n} rows for a batch of ${expected} prompts`);
        let from = 0;
        for (const j of jobs) {
          const n = j.input.prompts.length;
          j.resolve({ est: sliceEstimate(out.est, from, n), tasks: out.tasks?.slice(from, from + n), batchPrompts: expected, batchRequests: jobs.length });
          from += n;
        }
        ok = true;
      })
      .catch((err: unknown) => {
        for (const j of jobs) j.reject(err);
      })
      .finally(() => {
        this.running--;
        try {
          this.o.onBatch?.({ prompts: input.prompts.length, requests: jobs.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9, ok });
        } catch {
          // metrics must never stall the queue
        }
        if (this.queue.length) this.dispatch();
      });
  }
}
