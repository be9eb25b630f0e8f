/** Every failure the project reports on purpose. `ui/messages.ts` maps each code to plain words. */
export type AppErrorCode =
  | 'NOT_GEOTIFF'
  | 'CORRUPT_TIFF'
  | 'CORRUPT_HDF'
  | 'UNSUPPORTED_HDF'
  | 'NO_GEOREFERENCE'
  | 'UNSUPPORTED_LAYOUT'
  | 'UNSUPPORTED_CRS'
  | 'TOO_LARGE'
  | 'ALL_NODATA'
  | 'BAD_VALUES'
  | 'GRID_MISMATCH'
  | 'DATE_MISMATCH'
  | 'NOT_COARSER'
  | 'NO_OVERLAP'
  | 'MISSING_BAND'
  | 'BAD_ARGUMENT'
  | 'MODEL_LOAD_FAILED'
  | 'NO_BACKEND'
  | 'OUT_OF_MEMORY'
  | 'WRITE_FAILED'
  | 'CANCELLED'
  | 'INTERNAL';

/**
 * The one error type. `message` carries developer detail (numbers, grids); `file` names the input
 * it is about, when there is one.
 */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly file?: string;

  constructor(code: AppErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.file = options.file;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Wraps an unknown failure as an AppError with `code`, keeping the original as `cause`. */
export function toAppError(e: unknown, code: AppErrorCode, message: string, file?: string): AppError {
  if (e instanceof AppError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new AppError(code, `${message}: ${detail}`, { file, cause: e });
}
