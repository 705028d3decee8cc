import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/index.js';
import { formatParametersText } from './model-parameters.js';
import {
  type ModelfileInstruction,
  modelInstructions,
  parseModelfile,
  quote,
  renderModelfile,
  summarizeModelfile,
} from './modelfile.js';

const strip = (list: ModelfileInstruction[]): ModelfileInstruction[] =>
  list.map(({ line: _line, ...rest }) => rest as ModelfileInstruction);

describe('parseModelfile: valid', () => {
  const rows: Array<[string, string, ModelfileInstruction[]]> = [
    ['minimal', 'FROM ./tiny.gguf', [{ kind: 'from', value: './tiny.gguf' }]],
    [
      'lowercase instructions',
      'from tiny\nsystem hi',
      [
        { kind: 'from', value: 'tiny' },
        { kind: 'system', value: 'hi' },
      ],
    ],
    ['mixed case', 'FrOm tiny', [{ kind: 'from', value: 'tiny' }]],
    ['comments and blank lines', '# c\n\n  # indented\nFROM x\n\n# end', [{ kind: 'from', value: 'x' }]],
    ['hash inside a value is text', 'FROM x # not a comment', [{ kind: 'from', value: 'x # not a comment' }]],
    ['trailing spaces trimmed', 'FROM x   \t', [{ kind: 'from', value: 'x' }]],
    [
      'tabs as separators',
      'FROM\tx\nPARAMETER\tnum_ctx\t8',
      [
        { kind: 'from', value: 'x' },
        { kind: 'parameter', key: 'num_ctx', value: 8 },
      ],
    ],
    [
      'CRLF',
      'FROM x\r\nSYSTEM y\r\n',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: 'y' },
      ],
    ],
    ['BOM', '\uFEFFFROM x', [{ kind: 'from', value: 'x' }]],
    ['path with spaces', 'FROM /models/my model.gguf', [{ kind: 'from', value: '/models/my model.gguf' }]],
    [
      'parameters typed',
      'FROM x\nPARAMETER temperature 0.7\nPARAMETER top_k 40\nPARAMETER use_mmap false\nPARAMETER seed -1\nPARAMETER Num_Ctx 4096',
      [
        { kind: 'from', value: 'x' },
        { kind: 'parameter', key: 'temperature', value: 0.7 },
        { kind: 'parameter', key: 'top_k', value: 40 },
        { kind: 'parameter', key: 'use_mmap', value: false },
        { kind: 'parameter', key: 'seed', value: -1 },
        { kind: 'parameter', key: 'num_ctx', value: 4096 },
      ],
    ],
    [
      'float forms',
      'FROM x\nPARAMETER top_p .5\nPARAMETER min_p 1e-3\nPARAMETER temperature 1',
      [
        { kind: 'from', value: 'x' },
        { kind: 'parameter', key: 'top_p', value: 0.5 },
        { kind: 'parameter', key: 'min_p', value: 0.001 },
        { kind: 'parameter', key: 'temperature', value: 1 },
      ],
    ],
    [
      'bool forms',
      'FROM x\nPARAMETER penalize_newline 1\nPARAMETER use_mlock F',
      [
        { kind: 'from', value: 'x' },
        { kind: 'parameter', key: 'penalize_newline', value: true },
        { kind: 'parameter', key: 'use_mlock', value: false },
      ],
    ],
    [
      'stop quoted',
      'FROM x\nPARAMETER stop "<|im_end|>"\nPARAMETER stop </s>',
      [
        { kind: 'from', value: 'x' },
        { kind: 'parameter', key: 'stop', value: '<|im_end|>' },
        { kind: 'parameter', key: 'stop', value: '</s>' },
      ],
    ],
    [
      'triple quoted multi-line',
      'FROM x\nTEMPLATE """{{ .System }}\nUSER: {{ .Prompt }}\n"""\nSYSTEM s',
      [
        { kind: 'from', value: 'x' },
        { kind: 'template', value: '{{ .System }}\nUSER: {{ .Prompt }}\n' },
        { kind: 'system', value: 's' },
      ],
    ],
    [
      'triple quoted holding quotes',
      'FROM x\nSYSTEM """say "hi" and """ then"""',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: 'say "hi" and """ then' },
      ],
    ],
    [
      'triple quoted ending in a quote',
      'FROM x\nSYSTEM """say "hi""""',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: 'say "hi"' },
      ],
    ],
    [
      'double quoted multi-line',
      'FROM x\nSYSTEM "line one\nline two"',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: 'line one\nline two' },
      ],
    ],
    [
      'double quoted keeps padding',
      'FROM x\nSYSTEM "  padded  "  ',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: '  padded  ' },
      ],
    ],
    [
      'empty quoted values',
      'FROM x\nTEMPLATE ""\nSYSTEM """"""',
      [
        { kind: 'from', value: 'x' },
        { kind: 'template', value: '' },
        { kind: 'system', value: '' },
      ],
    ],
    [
      'messages',
      'FROM x\nMESSAGE user Is Toronto in Canada?\nmessage ASSISTANT "yes"\nMESSAGE system """be brief"""',
      [
        { kind: 'from', value: 'x' },
        { kind: 'message', role: 'user', content: 'Is Toronto in Canada?' },
        { kind: 'message', role: 'assistant', content: 'yes' },
        { kind: 'message', role: 'system', content: 'be brief' },
      ],
    ],
    [
      'adapter and license',
      'FROM x\nADAPTER ./lora.gguf\nLICENSE """MIT\nLicense"""',
      [
        { kind: 'from', value: 'x' },
        { kind: 'adapter', value: './lora.gguf' },
        { kind: 'license', value: 'MIT\nLicense' },
      ],
    ],
    [
      'unicode values',
      'FROM x\nSYSTEM Tu es un assistant 🦙 très utile',
      [
        { kind: 'from', value: 'x' },
        { kind: 'system', value: 'Tu es un assistant 🦙 très utile' },
      ],
    ],
  ];
  it.each(rows)('%s', (_label, text, want) => {
    const parsed = parseModelfile(text);
    expect(strip(parsed.instructions)).toEqual(want);
  });

  it('records the line of each instruction', () => {
    const parsed = parseModelfile('# c\nFROM x\nTEMPLATE """a\nb"""\nSYSTEM s');
    expect(parsed.instructions.map((i) => i.line)).toEqual([2, 3, 5]);
  });
});

describe('parseModelfile: errors', () => {
  const rows: Array<[string, string, string]> = [
    ['', 'line 1, column 1', 'no FROM instruction'],
    ['# only a comment', 'line 1, column 1', 'no FROM instruction'],
    ['SYSTEM hi', 'line 1, column 1', 'no FROM instruction'],
    ['FROM x\nFOO bar', 'line 2, column 1', 'unknown instruction "FOO"'],
    ['FROM x\n  RUN ls', 'line 2, column 3', 'unknown instruction "RUN"'],
    ['FROM x\n@@@', 'line 2, column 1', 'unknown instruction "@@@"'],
    ['FROM', 'line 1, column 5', 'missing value after FROM'],
    ['FROM   \nSYSTEM x', 'line 1, column 8', 'missing value after FROM'],
    ['FROM: x', 'line 1, column 5', 'unexpected character ":"'],
    ['FROM ""', 'line 1, column 6', 'FROM needs a value'],
    ['FROM x\nFROM y', 'line 2, column 1', 'only one FROM'],
    ['FROM x\nPARAMETER', 'line 2, column 10', 'missing value after PARAMETER'],
    ['FROM x\nPARAMETER -x 1', 'line 2, column 11', 'expected a parameter name'],
    ['FROM x\nPARAMETER foo 1', 'line 2, column 11', 'unknown parameter "foo"'],
    ['FROM x\nPARAMETER num_ctx', 'line 2, column 18', 'missing value after PARAMETER num_ctx'],
    [
      'FROM x\nPARAMETER num_ctx abc',
      'line 2, column 19',
      'invalid value "abc" for parameter num_ctx (expected an integer)',
    ],
    ['FROM x\nPARAMETER num_ctx 1.5', 'line 2, column 19', 'expected an integer'],
    ['FROM x\nPARAMETER temperature hot', 'line 2, column 23', 'expected a number'],
    ['FROM x\nPARAMETER temperature 1e999', 'line 2, column 23', 'expected a number'],
    ['FROM x\nPARAMETER use_mmap yes', 'line 2, column 20', 'expected true or false'],
    ['FROM x\nMESSAGE tool hi', 'line 2, column 9', 'message role must be one of'],
    ['FROM x\nMESSAGE user', 'line 2, column 13', 'missing value after MESSAGE user'],
    [
      'FROM x\nSYSTEM """never closed\nmore',
      'line 2, column 8',
      'unterminated triple-quoted value for SYSTEM',
    ],
    ['FROM x\nSYSTEM "never closed', 'line 2, column 8', 'unterminated quoted value for SYSTEM'],
  ];
  it.each(rows)('%j', (text, where, what) => {
    let caught: unknown;
    try {
      parseModelfile(text);
    } catch (err) {
      caught = err;
    }
    expect(isAppError(caught, 'INVALID_MODELFILE')).toBe(true);
    expect((caught as Error).message).toMatch(new RegExp(`^${where}: `));
    expect((caught as Error).message).toContain(what);
  });
});

describe('summarize, render, round trip', () => {
  const text = [
    'FROM ./tiny.gguf',
    'PARAMETER stop <a>',
    'PARAMETER temperature 0.5',
    'PARAMETER stop "<b>"',
    'PARAMETER temperature 0.2',
    'TEMPLATE first',
    'TEMPLATE """second\n"""',
    'LICENSE one',
    'LICENSE two',
    'MESSAGE user q',
    'MESSAGE assistant a',
  ].join('\n');

  it('folds instructions: later wins, stop/license/message accumulate', () => {
    expect(summarizeModelfile(parseModelfile(text))).toEqual({
      from: './tiny.gguf',
      adapters: [],
      template: 'second\n',
      parameters: { stop: ['<a>', '<b>'], temperature: 0.2 },
      licenses: ['one', 'two'],
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
    });
  });

  it('renders in Ollama order and parses back to the same summary', () => {
    const summary = summarizeModelfile(parseModelfile(text));
    const rendered = renderModelfile({ instructions: modelInstructions(summary) });
    expect(rendered).toBe(
      [
        'FROM ./tiny.gguf',
        'TEMPLATE "second\n"',
        'PARAMETER stop <a>',
        'PARAMETER stop <b>',
        'PARAMETER temperature 0.2',
        'LICENSE one',
        'LICENSE two',
        'MESSAGE user q',
        'MESSAGE assistant a',
        '',
      ].join('\n'),
    );
    expect(summarizeModelfile(parseModelfile(rendered))).toEqual(summary);
  });

  const tricky = [
    'plain',
    '  leading',
    'trailing  ',
    'multi\nline',
    'ends with newline\n',
    '\nstarts with newline',
    'has "quotes" inside',
    '"starts with a quote',
    '""starts with two',
    '"""starts with three',
    'ends with a quote"',
    'ends with three"""',
    'quote then newline"\nnext',
    'tab\tinside',
    '# looks like a comment',
    '{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}',
    'unicode: 日本語 🦙',
    '',
    ' ',
  ];
  it.each(tricky)('quote round-trips %j', (value) => {
    const text = `FROM x\nSYSTEM ${quote(value)}\nMESSAGE user ${quote(value)}\n`;
    const parsed = strip(parseModelfile(text).instructions);
    expect(parsed).toEqual([
      { kind: 'from', value: 'x' },
      { kind: 'system', value },
      { kind: 'message', role: 'user', content: value },
    ]);
  });

  it('quote follows Ollama for ordinary values', () => {
    expect(quote('x')).toBe('x');
    expect(quote('a\nb')).toBe('"a\nb"');
    expect(quote('a "q"\nb')).toBe('"""a "q"\nb"""');
    expect(quote(' x')).toBe('" x"');
  });

  it('falls back to triple quotes for a value no quoting can carry', () => {
    expect(quote('a"\nb"""\nc')).toBe('"""a"\nb"""\nc"""');
  });

  it('formats the /api/show parameters block like Ollama', () => {
    expect(
      formatParametersText({ temperature: 0.7, stop: ['<|im_end|>', 'x'], num_ctx: 4096, use_mmap: true }),
    ).toBe(
      [
        `${'num_ctx'.padEnd(30)} 4096`,
        `${'stop'.padEnd(30)} "<|im_end|>"`,
        `${'stop'.padEnd(30)} "x"`,
        `${'temperature'.padEnd(30)} 0.7`,
        `${'use_mmap'.padEnd(30)} true`,
      ].join('\n'),
    );
  });
});
