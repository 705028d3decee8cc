/** GGUF reader and writer: metadata, tensor index, alignment (ggml/docs/gguf.md, version 3). */
export { readGguf } from './read-gguf.js';
export { parseGguf, type GgufFile, type ReadGgufOptions } from './parse-gguf.js';
export type { GgufByteSource } from './byte-cursor.js';
export type { GgufTensorInfo } from './read-tensor-infos.js';
export {
  writeGguf,
  type GgufTensorBytes,
  type GgufTensorData,
  type GgufWriteContent,
  type GgufWriteTensor,
} from './write-gguf.js';
export { gguf, type GgufWriteArray, type GgufWriteScalar, type GgufWriteValue } from './write-value.js';
export {
  GgufValueType,
  type GgufValue,
  type GgufValueTypeId,
  type GgufScalarTypeName,
  type GgufTypeName,
} from './value-type.js';
export {
  GgmlType,
  elementCount,
  ggmlTypeInfo,
  ggmlTypeName,
  tensorByteSize,
  type GgmlTypeInfo,
} from './ggml-type.js';
export { fileTypeId, fileTypeName } from './file-type.js';
export { describeGguf, type ModelDetails } from './describe-gguf.js';
