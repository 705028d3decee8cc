/**
 * Whether the trainer can fine-tune a base model, decided from its GGUF header before a job is queued: the
 * architectures whose forward pass the trainer implements, and the weight types it can dequantize.
 */
import { AppError } from '../core/index.js';
import { ggmlTypeName, readGguf } from '../gguf/index.js';
import { TRAINER_ARCHITECTURES, TRAINER_WEIGHT_TYPES } from './trainer-protocol.js';

const TRAINABLE_ARCHITECTURES: readonly string[] = TRAINER_ARCHITECTURES;
const TRAINABLE_TYPES: readonly string[] = TRAINER_WEIGHT_TYPES;

export interface TrainableModel {
  architecture: string;
  /** `<arch>.context_length`, when the file says. */
  contextLength: number | undefined;
  /** Number of weights, for disk and time estimates. */
  parameters: number;
}

/** Reads the header of `path`; `INVALID_REQUEST` naming what the trainer does not support. */
export async function checkTrainableModel(path: string, label: string): Promise<TrainableModel> {
  const file = await readGguf(path);
  const arch = file.metadata['general.architecture'];
  if (typeof arch !== 'string' || !TRAINABLE_ARCHITECTURES.includes(arch))
    throw new AppError(
      'INVALID_REQUEST',
      `cannot fine-tune ${label}: architecture '${String(arch)}' is not supported by the trainer (supported: ${TRAINABLE_ARCHITECTURES.join(', ')})`,
    );
  const unsupported = file.tensors.find((t) => !TRAINABLE_TYPES.includes(ggmlTypeName(t.type) ?? ''));
  if (unsupported !== undefined)
    throw new AppError(
      'INVALID_REQUEST',
      `cannot fine-tune ${label}: tensor ${unsupported.name} is ${ggmlTypeName(unsupported.type) ?? `type ${unsupported.type}`}, which the trainer cannot read (supported: ${TRAINABLE_TYPES.join(', ')}); use an F16 or Q8_0 build of the model`,
    );
  const ctx = file.metadata[`${arch}.context_length`];
  const parameters = file.tensors.reduce((sum, t) => sum + t.dims.reduce((p, d) => p * d, 1), 0);
  return { architecture: arch, contextLength: typeof ctx === 'number' ? ctx : undefined, parameters };
}
