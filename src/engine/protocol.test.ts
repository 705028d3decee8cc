import { describe, expect, it } from 'vitest';
import { parseChildMessage, parseParentMessage, PROTOCOL_VERSION } from './protocol.js';

const spec = {
  modelPath: '/m.gguf',
  adapters: [],
  contextSize: 512,
  parallel: 2,
  threads: 1,
  gpu: 'cpu',
  useMmap: true,
};
const result = {
  text: 'hi',
  toolCalls: [],
  doneReason: 'stop',
  promptTokens: 3,
  promptEvalMs: 1,
  evalTokens: 2,
  evalMs: 1,
};

describe('parseParentMessage', () => {
  const valid: unknown[] = [
    { type: 'load', spec },
    { type: 'load', spec, calibration: { measure: [1, 2], known: { '1': 20.5 } } },
    {
      type: 'request',
      id: 1,
      body: { op: 'generate', request: { prompt: 'x', options: { temperature: 0 } } },
    },
    {
      type: 'request',
      id: 2,
      body: {
        op: 'generate',
        request: {
          messages: [{ role: 'assistant', content: '', tool_calls: [{ name: 'f', arguments: { a: 1 } }] }],
          tools: [{ name: 'f', parameters: { type: 'object' } }],
          format: { type: 'json_schema', schema: { type: 'object' } },
          options: { stop: ['\n'], num_predict: 5 },
        },
      },
    },
    { type: 'request', id: 3, body: { op: 'embed', request: { inputs: ['a'], truncate: true } } },
    { type: 'request', id: 4, body: { op: 'tokenize', text: 'a' } },
    { type: 'request', id: 5, body: { op: 'rerank', request: { query: 'q', documents: ['a', ''] } } },
    { type: 'request', id: 6, body: { op: 'status' } },
    { type: 'cancel', id: 4 },
    { type: 'ping', seq: 9 },
    { type: 'shutdown' },
  ];
  it.each(valid.map((m) => [JSON.stringify(m).slice(0, 60), m]))('accepts %s', (_name, message) => {
    expect(parseParentMessage(message)).toMatchObject({ ok: true, message });
  });

  const invalid: Array<[string, unknown, string]> = [
    ['not an object', 'load', 'message'],
    ['null', null, 'message'],
    ['unknown type', { type: 'explode' }, 'type'],
    ['missing spec', { type: 'load' }, 'spec'],
    ['bad gpu', { type: 'load', spec: { ...spec, gpu: 'tpu' } }, 'spec.gpu'],
    ['zero parallel', { type: 'load', spec: { ...spec, parallel: 0 } }, 'spec.parallel'],
    ['negative id', { type: 'cancel', id: -1 }, 'id'],
    ['fractional id', { type: 'cancel', id: 1.5 }, 'id'],
    ['unknown op', { type: 'request', id: 1, body: { op: 'train' } }, 'body.op'],
    [
      'bad role',
      {
        type: 'request',
        id: 1,
        body: { op: 'generate', request: { messages: [{ role: 'robot', content: '' }], options: {} } },
      },
      'body.request.messages.0.role',
    ],
    [
      'options missing',
      { type: 'request', id: 1, body: { op: 'generate', request: { prompt: 'x' } } },
      'body.request.options',
    ],
    [
      'string temperature',
      {
        type: 'request',
        id: 1,
        body: { op: 'generate', request: { prompt: 'x', options: { temperature: '0' } } },
      },
      'body.request.options.temperature',
    ],
    [
      'bad calibration key',
      { type: 'load', spec, calibration: { measure: [], known: { one: 1 } } },
      'calibration.known',
    ],
  ];
  it.each(invalid)('rejects %s, naming the field', (_name, message, where) => {
    const parsed = parseParentMessage(message);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok)
      expect(parsed.error).toMatch(new RegExp(`^malformed runner message: ${where.replace(/\./g, '\\.')}`));
  });
});

describe('parseChildMessage', () => {
  it.each([
    [{ type: 'hello', version: PROTOCOL_VERSION, pid: 12 }],
    [
      {
        type: 'loaded',
        info: { ramBytes: 1, vramBytes: 0, loadMs: 5, backend: 'cpu', contextSize: 512, threads: 1 },
        threadSpeeds: {},
      },
    ],
    [{ type: 'chunk', id: 1, text: 'a' }],
    [{ type: 'done', id: 1, body: { op: 'generate', result } }],
    [{ type: 'done', id: 1, body: { op: 'embed', result: { embeddings: [[0.5]], promptTokens: 1 } } }],
    [{ type: 'done', id: 1, body: { op: 'tokenize', tokens: [1, 2] } }],
    [{ type: 'done', id: 1, body: { op: 'rerank', result: { scores: [0.25, 0.75], promptTokens: 9 } } }],
    [{ type: 'error', id: 1, code: 'INVALID_REQUEST', message: 'too long' }],
    [{ type: 'error', code: 'FILE_NOT_FOUND', message: 'no file' }],
    [{ type: 'pong', seq: 3 }],
    [{ type: 'done', id: 1, body: { op: 'status', cache: { usedTokens: 40, capacityTokens: 1024 } } }],
  ])('accepts %j', (message) => {
    expect(parseChildMessage(message)).toMatchObject({ ok: true, message });
  });

  it.each([
    ['unknown error code', { type: 'error', id: 1, code: 'BOOM', message: 'x' }],
    [
      'bad done reason',
      { type: 'done', id: 1, body: { op: 'generate', result: { ...result, doneReason: 'tired' } } },
    ],
    ['token not an integer', { type: 'done', id: 1, body: { op: 'tokenize', tokens: [1.5] } }],
    ['rerank without scores', { type: 'done', id: 1, body: { op: 'rerank', result: { promptTokens: 1 } } }],
    ['chunk without text', { type: 'chunk', id: 1 }],
    [
      'negative cache tokens',
      { type: 'done', id: 1, body: { op: 'status', cache: { usedTokens: -1, capacityTokens: 8 } } },
    ],
    ['hello without version', { type: 'hello', pid: 1 }],
    ['parent message', { type: 'shutdown' }],
  ])('rejects %s', (_name, message) => {
    expect(parseChildMessage(message).ok).toBe(false);
  });
});
