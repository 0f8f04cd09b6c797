// Progress lines for long work: shown on a TTY stderr, silent with --json or off a TTY.

export interface Progress {
  /** Starts (or restarts) a phase with an optional total. */
  start(label: string, total?: number): void;
  /** Advances the current phase by `by` units (default 1). */
  tick(by?: number): void;
  /** Ends the current phase, optionally with a closing message. */
  done(message?: string): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, done() {} };

export interface ProgressOptions {
  /** Force on/off; default: on when stderr is a TTY. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? Boolean(stream.isTTY);
  if (!enabled) return silentProgress;
  let label = '';
  let total: number | undefined;
  let count = 0;
  let t0 = Date.now();
  let last = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const secs = ((now - t0) / 1000).toFixed(1);
    const part = total ? `${count}/${total} (${Math.floor((100 * count) / Math.max(1, total))}%)` : count ? String(count) : '';
    stream.write(`\r\x1b[2K${label} ${part} ${secs}s`);
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      count = 0;
      t0 = Date.now();
      draw(true);
    },
    tick(by = 1) {
      count += by;
      draw();
    },
    done(message) {
      draw(true);
      stream.write(message ? `\r\x1b[2K${label}: ${message}\n` : '\n');
    },
  };
}
