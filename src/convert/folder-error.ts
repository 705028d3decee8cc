/** The error every conversion failure caused by the folder's content is reported with. */
import { AppError } from '../core/index.js';

/** An `INVALID_MODEL_FOLDER` error; `path` is the file (or folder) at fault, named first in the message. */
export function folderError(path: string, message: string, cause?: unknown): AppError {
  return new AppError('INVALID_MODEL_FOLDER', `${path}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { path },
  });
}
