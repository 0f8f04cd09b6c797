// The one place records become a RoutingData: every loader (JSONL, RouterBench, LLMRouter)
// hands it raw records with their file and line, and it validates them, either throwing
// "FILE:LINE: reason" or (skipInvalid) counting the reason, grows flat typed columns so a
// million records never become a million objects, and settles what only the whole file
// can tell (a model or cost missing from some records) at the end.

import { TaskrouteError } from '../errors.js';
import { hashSplit } from './split.js';
import { SPLIT_CODES, SPLIT_NAMES, type DataFormat, type RoutingData, type Split } from './types.js';

/** A growable Float32Array (doubling), so streaming never holds per-record objects. */
export class GrowableF32 {
  data: Float32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float32Array(capacity);
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let cap = this.data.length || 1;
    while (cap < this.length + extra) cap *= 2;
    const next = new Float32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
  fill(v: number, count: number): void {
    this.reserve(count);
    this.data.fill(v, this.length, this.length + count);
    this.length += count;
  }
}

/** A growable Uint32Array. */
export class GrowableU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(Math.max(1, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** A growable Int32Array. */
class GrowableI32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(Math.max(1, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** One record as a loader read it; values are checked here, not by the loader. */
export interface RawRecord {
  id: unknown;
  prompt: unknown;
  /** Optional; null/undefined: none. */
  task?: unknown;
  leaf?: unknown;
  /** model → score in [0, 1]. */
  scores: unknown;
  /** model → USD (a subset of the scored models is an error); undefined: none. */
  costs?: unknown;
  /** 'train' | 'val' | 'test'; undefined/null: the hash split of the id. */
  split?: unknown;
  /** Undefined/null: none. */
  embedding?: unknown;
}

export interface BuilderOptions {
  source: string;
  format: DataFormat;
  skipInvalid: boolean;
  /** How the costs were obtained (RoutingData.costNote) when the records carry them. */
  costNote: string;
}

/** Reasons a record can be invalid; with skipInvalid they are counted under these names. */
export type InvalidReason =
  | 'malformed JSON'
  | 'not an object'
  | 'missing id'
  | 'duplicate id'
  | 'missing prompt'
  | 'bad field'
  | 'no scores'
  | 'non-numeric score'
  | 'non-finite score'
  | 'score outside [0,1]'
  | 'missing score'
  | 'non-numeric cost'
  | 'non-finite cost'
  | 'negative cost'
  | 'cost without score'
  | 'missing cost'
  | 'bad split'
  | 'bad embedding'
  | 'wrong embedding length'
  | 'missing embedding'
  | 'bad row'
  | 'bad prompt literal'
  | 'no matching query';

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The result of finish(): the data set and, per kept row, the position it was read at. */
export interface Built {
  data: RoutingData;
  /** Per row of data: its 0-based position among all records read (before any was skipped). */
  ordinals: Uint32Array;
  /** Records read in total, skipped ones included. */
  recordsRead: number;
}

export class RoutingDataBuilder {
  private readonly o: BuilderOptions;
  private readonly files: string[] = [];
  private readonly fileIndex = new Map<string, number>();
  private readonly modelIndex = new Map<string, number>();
  private readonly models: string[] = [];
  private readonly scoreCols: GrowableF32[] = [];
  private readonly costCols: (GrowableF32 | undefined)[] = [];
  private readonly ids: string[] = [];
  private readonly idSet = new Set<string>();
  private readonly prompts: string[] = [];
  private readonly tasks: string[] = [];
  private leaves: string[] | undefined;
  private readonly intern = new Map<string, string>();
  private readonly splits: number[] = [];
  private readonly lines = new GrowableU32();
  private readonly fileOf = new GrowableU32();
  private readonly ordinals = new GrowableU32();
  private readonly hasCostRow: number[] = [];
  private anyCosts = false;
  private embRow: GrowableI32 | undefined;
  private readonly emb = new GrowableF32(0);
  private embDim = 0;
  private embFirst = '';
  private readonly invalid = new Map<InvalidReason, number>();
  private readonly notes: string[] = [];
  private read_ = 0;
  // scratch for one record's values, reused so a record allocates nothing here
  private scratchScores = new Float64Array(16);
  private scratchCosts = new Float64Array(16);

  constructor(options: BuilderOptions) {
    this.o = options;
  }

  get n(): number {
    return this.ids.length;
  }

  /** Counts one record read (valid or not) and returns its 0-based position. */
  read(): number {
    return this.read_++;
  }

  get recordsRead(): number {
    return this.read_;
  }

  /** Adds a line to data.notes. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** Throws "FILE:LINE: message", or with skipInvalid counts `reason` and returns false. */
  reject(file: string, line: number, reason: InvalidReason, message: string): false {
    if (!this.o.skipInvalid) throw new TaskrouteError('ERR_TASKROUTE_DATA', `${file}:${line}: ${message}`);
    this.invalid.set(reason, (this.invalid.get(reason) ?? 0) + 1);
    return false;
  }

  private internString(s: string): string {
    let v = this.intern.get(s);
    if (v === undefined) {
      v = s;
      if (this.intern.size < 1 << 16) this.intern.set(s, s);
    }
    return v;
  }

  private optionalString(file: string, line: number, label: string, name: string, v: unknown): string | false {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') return this.reject(file, line, 'bad field', `${label}: "${name}" must be a string, received ${show(v)}`);
    return v;
  }

  /** Validates one record and appends it; false when skipped (skipInvalid). */
  add(file: string, line: number, ordinal: number, r: RawRecord): boolean {
    let id: string;
    if (typeof r.id === 'string' && r.id.trim() !== '') id = r.id;
    else if (typeof r.id === 'number' && Number.isSafeInteger(r.id)) id = String(r.id);
    else if (r.id === undefined || r.id === null || r.id === '')
      return this.reject(file, line, 'missing id', 'record has no "id"');
    else return this.reject(file, line, 'missing id', `"id" must be a non-empty string or an integer, received ${show(r.id)}`);
    const label = `record ${JSON.stringify(id)}`;
    if (this.idSet.has(id)) {
      // Finding the first occurrence is a scan: only worth it for the error that stops the load.
      const first = this.o.skipInvalid ? -1 : this.ids.indexOf(id);
      const where = first >= 0 ? ` (first at ${this.where(first)})` : '';
      return this.reject(file, line, 'duplicate id', `duplicate id ${JSON.stringify(id)}${where}`);
    }
    if (typeof r.prompt !== 'string' || r.prompt.trim() === '') {
      if (r.prompt !== undefined && r.prompt !== null && typeof r.prompt !== 'string')
        return this.reject(file, line, 'missing prompt', `${label}: "prompt" must be a string, received ${show(r.prompt)}`);
      return this.reject(file, line, 'missing prompt', `${label} has a missing or empty prompt`);
    }
    const task = this.optionalString(file, line, label, 'task', r.task);
    if (task === false) return false;
    const leaf = this.optionalString(file, line, label, 'leaf', r.leaf);
    if (leaf === false) return false;

    // scores: known models go to their column, new ones are appended after validation
    if (!isPlainObject(r.scores)) {
      if (r.scores === undefined || r.scores === null) return this.reject(file, line, 'no scores', `${label} has no "scores"`);
      return this.reject(file, line, 'bad field', `${label}: "scores" must be an object {model: score}, received ${show(r.scores)}`);
    }
    const names = Object.keys(r.scores);
    if (names.length === 0) return this.reject(file, line, 'no scores', `${label} has no scores`);
    if (this.scratchScores.length < this.models.length + names.length) {
      this.scratchScores = new Float64Array(2 * (this.models.length + names.length));
      this.scratchCosts = new Float64Array(this.scratchScores.length);
    }
    const sc = this.scratchScores;
    sc.fill(NaN, 0, this.models.length + names.length);
    const fresh: string[] = [];
    for (const name of names) {
      const v = r.scores[name];
      if (typeof v !== 'number')
        return this.reject(file, line, 'non-numeric score', `${label}: score for model ${JSON.stringify(name)} is not a number: ${show(v)}`);
      if (!Number.isFinite(v))
        return this.reject(file, line, 'non-finite score', `${label}: score for model ${JSON.stringify(name)} is not finite: ${show(v)}`);
      if (v < 0 || v > 1)
        return this.reject(file, line, 'score outside [0,1]', `${label}: score for model ${JSON.stringify(name)} is outside [0, 1]: ${v}`);
      let m = this.modelIndex.get(name);
      if (m === undefined) {
        m = this.models.length + fresh.length;
        fresh.push(name);
      }
      sc[m] = v;
    }
    const M = this.models.length + fresh.length;
    const slot = (name: string): number => {
      const known = this.modelIndex.get(name);
      if (known !== undefined) return known;
      const f = fresh.indexOf(name);
      return f < 0 ? -1 : this.models.length + f;
    };

    // costs: every value for a scored model, finite and >= 0
    let hasCosts = false;
    const cc = this.scratchCosts;
    if (r.costs !== undefined && r.costs !== null) {
      if (!isPlainObject(r.costs))
        return this.reject(file, line, 'bad field', `${label}: "costs" must be an object {model: USD}, received ${show(r.costs)}`);
      cc.fill(NaN, 0, M);
      for (const name of Object.keys(r.costs)) {
        const v = r.costs[name];
        const m = slot(name);
        if (m < 0 || Number.isNaN(sc[m]))
          return this.reject(file, line, 'cost without score', `${label} has a cost for model ${JSON.stringify(name)} but no score for it`);
        if (typeof v !== 'number')
          return this.reject(file, line, 'non-numeric cost', `${label}: cost for model ${JSON.stringify(name)} is not a number: ${show(v)}`);
        if (!Number.isFinite(v))
          return this.reject(file, line, 'non-finite cost', `${label}: cost for model ${JSON.stringify(name)} is not finite: ${show(v)}`);
        if (v < 0) return this.reject(file, line, 'negative cost', `${label}: cost for model ${JSON.stringify(name)} is negative: ${v}`);
        cc[m] = v;
      }
      hasCosts = true;
    }

    let split: Split;
    if (r.split === undefined || r.split === null) split = hashSplit(id);
    else if (typeof r.split === 'string' && (SPLIT_NAMES as readonly string[]).includes(r.split)) split = r.split as Split;
    else return this.reject(file, line, 'bad split', `${label}: bad split value ${show(r.split)} (expected "train", "val" or "test")`);

    let embedding: ArrayLike<unknown> | undefined;
    if (r.embedding !== undefined && r.embedding !== null) {
      const e = r.embedding;
      if (!Array.isArray(e) && !(e instanceof Float32Array))
        return this.reject(file, line, 'bad embedding', `${label}: "embedding" must be an array of numbers, received ${show(e)}`);
      if (e.length === 0) return this.reject(file, line, 'bad embedding', `${label}: "embedding" is empty`);
      if (this.embDim && e.length !== this.embDim)
        return this.reject(
          file,
          line,
          'wrong embedding length',
          `${label}: embedding has length ${e.length}, expected ${this.embDim} (the length of the first embedding, ${this.embFirst})`,
        );
      for (let k = 0; k < e.length; k++) {
        const v = e[k];
        if (typeof v !== 'number' || !Number.isFinite(v))
          return this.reject(file, line, 'bad embedding', `${label}: embedding[${k}] is not a finite number: ${show(v)}`);
      }
      embedding = e;
    }

    // Everything checked: commit.
    for (const name of fresh) {
      const col = new GrowableF32(Math.max(1024, this.n + 1));
      col.fill(NaN, this.n);
      this.modelIndex.set(name, this.models.length);
      this.models.push(name);
      this.scoreCols.push(col);
      this.costCols.push(undefined);
    }
    for (let m = 0; m < M; m++) this.scoreCols[m].push(sc[m]);
    if (hasCosts) this.anyCosts = true;
    for (let m = 0; m < M; m++) {
      let col = this.costCols[m];
      if (!col && hasCosts && !Number.isNaN(cc[m])) {
        col = this.costCols[m] = new GrowableF32(Math.max(1024, this.n + 1));
        col.fill(NaN, this.n);
      }
      if (col) col.push(hasCosts ? cc[m] : NaN);
    }
    this.hasCostRow.push(hasCosts ? 1 : 0);
    if (embedding) {
      if (!this.embDim) {
        this.embDim = embedding.length;
        this.embFirst = `${file}:${line}`;
      }
      if (!this.embRow) {
        this.embRow = new GrowableI32(Math.max(1024, this.n + 1));
        for (let i = 0; i < this.n; i++) this.embRow.push(-1);
      }
      this.embRow.push(this.emb.length / this.embDim);
      for (let k = 0; k < embedding.length; k++) this.emb.push(embedding[k] as number);
    } else if (this.embRow) this.embRow.push(-1);
    if (leaf !== '' && !this.leaves) this.leaves = new Array<string>(this.n).fill('');
    if (this.leaves) this.leaves.push(this.internString(leaf));
    this.ids.push(id);
    this.idSet.add(id);
    this.prompts.push(r.prompt);
    this.tasks.push(this.internString(task));
    this.splits.push(SPLIT_CODES[split]);
    let f = this.fileIndex.get(file);
    if (f === undefined) {
      f = this.files.length;
      this.files.push(file);
      this.fileIndex.set(file, f);
    }
    this.fileOf.push(f);
    this.lines.push(line);
    this.ordinals.push(ordinal);
    return true;
  }

  private where(i: number): string {
    return `${this.files[this.fileOf.data[i]]}:${this.lines.data[i]}`;
  }

  private fail(i: number, message: string): never {
    throw new TaskrouteError('ERR_TASKROUTE_DATA', `${this.where(i)}: record ${JSON.stringify(this.ids[i])} ${message}`);
  }

  private skippedNote(): string | undefined {
    let total = 0;
    for (const c of this.invalid.values()) total += c;
    if (!total) return undefined;
    const parts = [...this.invalid.entries()].sort((a, b) => b[1] - a[1]).map(([r, c]) => `${c} ${r}`);
    return `skipped ${total} invalid record${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
  }

  /**
   * Settles whole-file rules and returns the data set. A model, cost or embedding that
   * some records lack is an error at the first record lacking it; with skipInvalid, a
   * model scored on at most half of the records is dropped (noted), costs or embeddings
   * present on at most half are ignored (noted), and otherwise the records lacking them
   * are skipped.
   */
  finish(): Built {
    const n = this.n;
    if (n === 0) {
      const why = this.skippedNote();
      throw new TaskrouteError('ERR_TASKROUTE_DATA', `${this.o.source}: no ${why ? 'valid ' : ''}records${why ? ` (${why})` : ''}`);
    }
    const keep = new Uint8Array(n).fill(1);
    const drop = (i: number, reason: InvalidReason) => {
      keep[i] = 0;
      this.invalid.set(reason, (this.invalid.get(reason) ?? 0) + 1);
    };

    // models every kept record must score
    let models = this.models.map((_, m) => m);
    if (!this.o.skipInvalid) {
      for (let i = 0; i < n; i++)
        for (const m of models) if (Number.isNaN(this.scoreCols[m].data[i])) this.fail(i, `has no score for model ${JSON.stringify(this.models[m])}`);
    } else {
      const kept: number[] = [];
      for (const m of models) {
        let c = 0;
        const col = this.scoreCols[m].data;
        for (let i = 0; i < n; i++) if (!Number.isNaN(col[i])) c++;
        if (2 * c > n) kept.push(m);
        else this.notes.push(`dropped model ${JSON.stringify(this.models[m])}: scored on only ${c} of ${n} records`);
      }
      models = kept;
      for (let i = 0; i < n; i++) if (models.some((m) => Number.isNaN(this.scoreCols[m].data[i]))) drop(i, 'missing score');
    }
    let alive = 0;
    for (let i = 0; i < n; i++) alive += keep[i];

    // costs: all or nothing
    let hasCosts = false;
    if (this.anyCosts && alive > 0) {
      const complete = (i: number) => this.hasCostRow[i] === 1 && models.every((m) => !Number.isNaN(this.costCols[m]?.data[i] ?? NaN));
      let c = 0;
      for (let i = 0; i < n; i++) if (keep[i] && complete(i)) c++;
      if (c === alive) hasCosts = true;
      else if (!this.o.skipInvalid) {
        for (let i = 0; i < n; i++) {
          if (complete(i)) continue;
          if (this.hasCostRow[i] !== 1) this.fail(i, 'has no costs, while other records have them');
          const m = models.find((k) => Number.isNaN(this.costCols[k]?.data[i] ?? NaN)) as number;
          this.fail(i, `has no cost for model ${JSON.stringify(this.models[m])}`);
        }
      } else if (2 * c > alive) {
        for (let i = 0; i < n; i++) if (keep[i] && !complete(i)) drop(i, 'missing cost');
        hasCosts = true;
      } else {
        this.notes.push(`ignored the costs: only ${c} of ${alive} records have a cost for every model`);
      }
    }
    alive = 0;
    for (let i = 0; i < n; i++) alive += keep[i];

    // embeddings: all or nothing
    let hasEmb = false;
    if (this.embRow && alive > 0) {
      const er = this.embRow.data;
      let c = 0;
      for (let i = 0; i < n; i++) if (keep[i] && er[i] >= 0) c++;
      if (c === alive) hasEmb = true;
      else if (!this.o.skipInvalid) {
        for (let i = 0; i < n; i++) if (er[i] < 0) this.fail(i, `has no embedding, while other records have one (first at ${this.embFirst})`);
      } else if (2 * c > alive) {
        for (let i = 0; i < n; i++) if (keep[i] && er[i] < 0) drop(i, 'missing embedding');
        hasEmb = true;
      } else {
        this.notes.push(`ignored the embeddings: only ${c} of ${alive} records have one`);
      }
    }

    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (keep[i]) rows.push(i);
    if (rows.length === 0) {
      throw new TaskrouteError('ERR_TASKROUTE_DATA', `${this.o.source}: no valid records (${this.skippedNote()})`);
    }
    const all = rows.length === n;
    const N = rows.length;
    const M = models.length;
    const scores = new Float32Array(N * M);
    const costs = new Float32Array(N * M);
    for (let k = 0; k < M; k++) {
      const sc = this.scoreCols[models[k]].data;
      const cc = hasCosts ? (this.costCols[models[k]] as GrowableF32).data : undefined;
      for (let r = 0; r < N; r++) {
        scores[r * M + k] = sc[rows[r]];
        if (cc) costs[r * M + k] = cc[rows[r]];
      }
    }
    let embeddings: Float32Array | undefined;
    if (hasEmb) {
      const D = this.embDim;
      const er = (this.embRow as GrowableI32).data;
      embeddings = new Float32Array(N * D);
      for (let r = 0; r < N; r++) embeddings.set(this.emb.data.subarray(er[rows[r]] * D, er[rows[r]] * D + D), r * D);
    }
    const pick = <T>(a: T[]): T[] => (all ? a : rows.map((i) => a[i]));
    const leaves = this.leaves ? pick(this.leaves) : undefined;
    const notes = [...this.notes];
    const skipped = this.skippedNote();
    if (skipped) notes.push(skipped);
    const data: RoutingData = {
      source: this.o.source,
      format: this.o.format,
      models: models.map((m) => this.models[m]),
      n: N,
      ids: pick(this.ids),
      prompts: pick(this.prompts),
      tasks: pick(this.tasks),
      scores,
      costs,
      hasCosts,
      costNote: hasCosts ? this.o.costNote : 'none (the data carry no costs)',
      splits: all ? Uint8Array.from(this.splits) : Uint8Array.from(rows, (i) => this.splits[i]),
      notes,
    };
    if (leaves && leaves.some((l) => l !== '')) data.leaves = leaves;
    if (embeddings) {
      data.embeddings = embeddings;
      data.embeddingDim = this.embDim;
    }
    const ordinals = Uint32Array.from(rows, (i) => this.ordinals.data[i]);
    return { data, ordinals, recordsRead: this.read_ };
  }
}
