// The one error type of taskroute. Native errors arrive as Error objects with a
// `code`; callNative() rethrows them as TaskrouteError with the caller's stack.

export type TaskrouteErrorCode =
  | 'ERR_TASKROUTE_INVALID_ARG'
  | 'ERR_TASKROUTE_CUDA'
  | 'ERR_TASKROUTE_NO_CUDA'
  | 'ERR_TASKROUTE_INTERNAL'
  | 'ERR_TASKROUTE_OOM'
  | 'ERR_TASKROUTE_LOAD'
  | 'ERR_TASKROUTE_DATA'
  | 'ERR_TASKROUTE_ARTIFACT'
  | 'ERR_TASKROUTE_HTTP'
  | 'ERR_TASKROUTE_LLM'
  | 'ERR_TASKROUTE_TAXONOMY'
  | 'ERR_TASKROUTE_CONFIG';

export class TaskrouteError extends Error {
  readonly code: TaskrouteErrorCode;
  constructor(code: TaskrouteErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TaskrouteError';
    this.code = code;
  }
}

function fromNative(err: unknown, stack: string | undefined): unknown {
  if (err instanceof TaskrouteError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    const known = typeof code === 'string' && code.startsWith('ERR_TASKROUTE_');
    const e = new TaskrouteError(
      (known ? code : 'ERR_TASKROUTE_INTERNAL') as TaskrouteErrorCode,
      err.message,
      { cause: err },
    );
    if (stack) e.stack = `TaskrouteError: ${err.message}\n${stack.split('\n').slice(2).join('\n')}`;
    return e;
  }
  return err;
}

/** Runs a synchronous native call; native errors become TaskrouteError pointing at the caller. */
export function callNative<T>(fn: () => T): T {
  const stack = new Error().stack;
  try {
    return fn();
  } catch (err) {
    throw fromNative(err, stack);
  }
}

/** Awaits an asynchronous native call; native errors become TaskrouteError pointing at the caller. */
export async function callNativeAsync<T>(fn: () => Promise<T>): Promise<T> {
  const stack = new Error().stack;
  try {
    return await fn();
  } catch (err) {
    throw fromNative(err, stack);
  }
}
