import { describe, expect, it } from 'vitest';
import {
  describeGguf,
  fileTypeId,
  fileTypeName,
  GgmlType,
  ggmlTypeName,
  tensorByteSize,
  type GgufFile,
} from './index.js';

function file(metadata: GgufFile['metadata'], tensors: Array<[number, number[]]> = []): GgufFile {
  return {
    version: 3,
    metadata,
    tensors: tensors.map(([type, dims], i) => ({ name: `t${i}`, type, dims, offset: 0, byteSize: 0 })),
    alignment: 32,
    dataOffset: 0,
    fileSize: 0,
  };
}

describe('describeGguf', () => {
  it('reads architecture-prefixed keys and the file type', () => {
    const details = describeGguf(
      file(
        {
          'general.architecture': 'qwen2',
          'general.name': 'Qwen2 0.5B',
          'general.file_type': 15,
          'qwen2.context_length': 32768,
          'qwen2.embedding_length': 896,
          'qwen2.block_count': 24,
          'qwen2.attention.head_count': 14,
          'llama.context_length': 1, // another architecture's key is ignored
        },
        [
          [GgmlType.Q4_K, [896, 1000]],
          [GgmlType.F32, [896]],
        ],
      ),
    );
    expect(details).toEqual({
      architecture: 'qwen2',
      name: 'Qwen2 0.5B',
      parameterCount: 896_000 + 896,
      contextLength: 32768,
      embeddingLength: 896,
      blockCount: 24,
      headCount: 14,
      fileType: 'Q4_K_M',
      quantization: 'Q4_K_M',
      isAdapter: false,
    });
  });

  it.each<[string, Array<[number, number[]]>, string]>([
    [
      'matrices outweigh F32 norms',
      [
        [GgmlType.Q8_0, [64, 64]],
        [GgmlType.F32, [64]],
        [GgmlType.F32, [64]],
      ],
      'Q8_0',
    ],
    [
      'most weights win',
      [
        [GgmlType.Q4_K, [256, 10]],
        [GgmlType.Q6_K, [256, 30]],
      ],
      'Q6_K',
    ],
    ['only vectors', [[GgmlType.F32, [64]]], 'F32'],
    ['no tensors', [], 'unknown'],
  ])('without general.file_type derives quantization: %s', (_name, tensors, expected) => {
    expect(describeGguf(file({ 'general.architecture': 'llama' }, tensors)).quantization).toBe(expected);
  });

  it('recognises adapters, unknown architectures and per-layer head counts', () => {
    const adapter = describeGguf(file({ 'general.type': 'adapter', 'general.architecture': 'llama' }));
    expect(adapter).toMatchObject({ isAdapter: true, architecture: 'llama', parameterCount: 0 });
    const bare = describeGguf(file({}));
    expect(bare).toEqual({
      architecture: 'unknown',
      parameterCount: 0,
      quantization: 'unknown',
      isAdapter: false,
    });
    const perLayer = describeGguf(
      file({ 'general.architecture': 'openelm', 'openelm.attention.head_count': [4, 8, 6] }),
    );
    expect(perLayer.headCount).toBe(8);
  });
});

describe('GGML type and file type tables', () => {
  it.each<[number, number[], number | undefined]>([
    [GgmlType.F32, [4, 3], 48],
    [GgmlType.F16, [7], 14],
    [GgmlType.BF16, [7], 14],
    [GgmlType.Q4_0, [32, 2], 36],
    [GgmlType.Q8_0, [64], 68],
    [GgmlType.Q4_K, [256, 2], 288],
    [GgmlType.Q6_K, [256], 210],
    [GgmlType.IQ4_XS, [256], 136],
    [GgmlType.Q4_0, [16], undefined], // row not a whole block
    [31, [32], undefined], // Q4_0_4_4: removed from ggml
    [99, [1], undefined],
  ])('type %i with dims %j takes %s bytes', (type, dims, bytes) => {
    expect(tensorByteSize(type, dims)).toBe(bytes);
  });

  it('names types and file types', () => {
    expect(ggmlTypeName(GgmlType.Q5_K)).toBe('Q5_K');
    expect(ggmlTypeName(36)).toBe('IQ4_NL_4_4');
    expect(ggmlTypeName(1000)).toBeUndefined();
    expect(fileTypeName(0)).toBe('F32');
    expect(fileTypeName(1)).toBe('F16');
    expect(fileTypeName(32)).toBe('BF16');
    expect(fileTypeName(1024)).toBeUndefined();
    expect(fileTypeId('Q4_K_M')).toBe(15);
  });
});
