// Argument checks with exact messages: every public entry point validates here before
// anything reaches native code (native guards only protect memory).

/** A row-major float32 matrix: data.length === rows × cols. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return typeof v;
}

export function invalidParameter(name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`Expected "${name}" to be ${expected}, received ${describe(actual)}`);
}

export function outOfRange(name: string, expected: string, actual: unknown): RangeError {
  return new RangeError(`Expected "${name}" to be ${expected}, received ${describe(actual)}`);
}

export function assertInteger(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number') throw invalidParameter(name, 'an integer', v);
  if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v);
  if (v < min || v > max)
    throw outOfRange(name, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, v);
  return v;
}

export function assertNumber(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number') throw invalidParameter(name, 'a number', v);
  if (!Number.isFinite(v)) throw outOfRange(name, 'a finite number', v);
  if (v < min || v > max) throw outOfRange(name, `a number in [${min}, ${max}]`, v);
  return v;
}

export function assertBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalidParameter(name, 'a boolean', v);
  return v;
}

export function assertString(name: string, v: unknown): string {
  if (typeof v !== 'string') throw invalidParameter(name, 'a string', v);
  return v;
}

export function assertOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw invalidParameter(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v);
  return v as T;
}

export function assertObject(name: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidParameter(name, 'an object', v);
  return v as Record<string, unknown>;
}

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

export function assertFiniteArray(name: string, a: Float32Array | Float64Array): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw outOfRange(name, 'finite values only', `${a[i]} at index ${i}`);
}

function isDetached(a: ArrayBufferView): boolean {
  // A detached ArrayBuffer reports byteLength 0 while the view claimed elements.
  return a.buffer.byteLength === 0 && a.byteLength === 0 && (a as unknown as { length: number }).length === 0;
}

export interface MatrixCheck {
  /** Minimum rows (default 0). */
  minRows?: number;
  /** Minimum cols (default 1). */
  minCols?: number;
  /** Required cols (e.g. must match another matrix). */
  cols?: number;
  /** Scan for NaN/Infinity (default true). */
  finite?: boolean;
}

/** Validates { data: Float32Array, rows, cols } with length and finiteness checks. */
export function assertMatrix(name: string, m: unknown, check: MatrixCheck = {}): Matrix {
  const o = assertObject(name, m);
  if (!(o.data instanceof Float32Array)) throw invalidParameter(`${name}.data`, 'a Float32Array', o.data);
  const rows = assertInteger(`${name}.rows`, o.rows, check.minRows ?? 0, 2 ** 31 - 1);
  const cols = assertInteger(`${name}.cols`, o.cols, check.minCols ?? 1, 2 ** 31 - 1);
  if (check.cols !== undefined && cols !== check.cols)
    throw outOfRange(`${name}.cols`, `${check.cols} (the dimension of the other operand)`, cols);
  const data = o.data;
  if (isDetached(data) && rows * cols > 0) throw invalidParameter(`${name}.data`, 'an attached Float32Array', 'a detached buffer');
  if (data.length !== rows * cols)
    throw outOfRange(`${name}.data.length`, `rows × cols = ${rows} × ${cols} = ${rows * cols}`, data.length);
  if (check.finite !== false) assertFiniteArray(`${name}.data`, data);
  return { data, rows, cols };
}

/** Flattens number[][] (or passes a Matrix through) into a row-major Float32Array matrix. */
export function toMatrix(name: string, v: Matrix | number[][] | Float32Array[]): Matrix {
  if (Array.isArray(v)) {
    const rows = v.length;
    const cols = rows ? (v[0] as ArrayLike<number>).length : 0;
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = v[i] as ArrayLike<number>;
      if (!r || typeof r.length !== 'number' || r.length !== cols)
        throw outOfRange(`${name}[${i}].length`, `${cols} (the length of row 0)`, r?.length);
      for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
    }
    return { data, rows, cols };
  }
  return assertMatrix(name, v);
}
