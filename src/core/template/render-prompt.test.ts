/**
 * End-to-end prompts: Ollama-library-style templates (written for these tests, after the shapes of ChatML,
 * Llama 3, Mistral, Gemma, Phi-3, Alpaca and plain legacy templates) rendered through Ollama's `Execute`
 * decisions. Expected prompts are what Ollama's Go code renders for the same input.
 */
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import type { ChatMessage, ToolDefinition } from '../runner.js';
import { renderPrompt, type PromptInput } from './index.js';
import { collate } from './render-prompt.js';

type Row = [name: string, input: PromptInput, expected: string];

const lines = (...parts: string[]): string => parts.join('\n');
const now = (): Date => new Date(2024, 4, 6, 12, 0, 0);

const CHATML = String.raw`{{- if or .System .Tools }}<|im_start|>system
{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}{{ if .System }}

{{ end }}You can call these tools:
{{- range .Tools }}
{{ json .Function }}
{{- end }}
To call one, answer <tool_call>{"name": ..., "arguments": {...}}</tool_call>.
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $m := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "system" }}{{ continue }}
{{- else if eq .Role "user" }}<|im_start|>user
{{ .Content }}<|im_end|>
{{ else if eq .Role "assistant" }}<|im_start|>assistant
{{ with .ToolCalls }}{{ range . }}<tool_call>{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}</tool_call>{{ end }}{{ else }}{{ .Content }}{{ end }}
{{- if not $last }}<|im_end|>
{{ end }}
{{- else if eq .Role "tool" }}<|im_start|>tool ({{ .ToolName }})
{{ .Content }}<|im_end|>
{{ end }}
{{- if and $last (ne .Role "assistant") }}<|im_start|>assistant
{{ end }}
{{- end }}`;
const LLAMA3 = String.raw`{{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>

{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}{{ if .System }}

{{ end }}Today is {{ currentDate }}. You may call these functions:
{{ range .Tools }}{{ . }}
{{ end }}Reply with {"name": ..., "parameters": {...}} to call one.{{ end }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- if eq .Role "system" }}{{ continue }}{{ end }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}<|start_header_id|>{{ if eq .Role "tool" }}ipython{{ else }}{{ .Role }}{{ end }}<|end_header_id|>

{{ if .ToolCalls }}{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "parameters": {{ json .Function.Arguments }}}{{ end }}{{ else }}{{ .Content }}{{ end }}
{{- if or (not $last) (ne .Role "assistant") }}<|eot_id|>{{ end }}
{{- if and $last (ne .Role "assistant") }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}`;
const MISTRAL = String.raw`{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}
{{- if and $last $.Tools }}[AVAILABLE_TOOLS] {{ json $.Tools }}[/AVAILABLE_TOOLS]{{ end -}}
[INST] {{ if and $last $.System }}{{ $.System }}

{{ end }}{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}
{{- if .ToolCalls }}[TOOL_CALLS] [{{ range $j, $c := .ToolCalls }}{{ if $j }}, {{ end }}{"name": "{{ $c.Function.Name }}", "arguments": {{ json $c.Function.Arguments }}}{{ end }}]
{{- else }} {{ .Content }}{{ end }}
{{- if not $last }}</s>{{ end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS] {"content": {{ json .Content }}}[/TOOL_RESULTS]
{{- end }}
{{- end }}`;
const GEMMA = String.raw`{{- $system := "" }}
{{- range .Messages }}
{{- if eq .Role "system" }}
{{- if $system }}{{ $system = printf "%s\n\n%s" $system .Content }}{{ else }}{{ $system = .Content }}{{ end }}
{{- continue }}
{{- end }}
{{- if eq .Role "assistant" }}<start_of_turn>model
{{- else }}<start_of_turn>user
{{- with $system }}
{{ . }}
{{- $system = "" }}
{{- end }}
{{- end }}
{{ .Content }}<end_of_turn>
{{ end }}<start_of_turn>model
`;
const PHI3 = String.raw`{{- range $m := .Messages }}<|{{ $m.Role }}|>
{{ $m.Content }}<|end|>
{{ end }}<|assistant|>
`;
const LEGACY = String.raw`{{ .System }} {{ .Prompt }}`;
const ALPACA = String.raw`{{ if .System }}{{ .System }}

{{ end }}### Instruction:
{{ .Prompt }}

### Response:
{{ .Response }}</s>
`;
const FIM = String.raw`{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>
{{- else }}{{ .Prompt }}
{{- end }}`;
const THINK = String.raw`{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}<|{{ .Role }}|>{{ .Content }}
{{- if and $last (ne .Role "assistant") }}<|assistant|>
{{- if and $.IsThinkSet (not $.Think) }}<think></think>
{{- else if $.Think }}<think level="{{ $.ThinkLevel }}">
{{- end }}
{{- end }}
{{- end }}`;

const WEATHER: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: {
    type: 'object',
    required: ['city'],
    properties: {
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      city: { type: 'string', description: 'City name' },
    },
  },
};
const CALL: ChatMessage = {
  role: 'assistant',
  content: '',
  tool_calls: [{ name: 'get_weather', arguments: { unit: 'celsius', city: 'Paris' } }],
};
const CHAT: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi!' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'What is 2+2?' },
];
const TOOLCHAT: ChatMessage[] = [
  { role: 'user', content: 'Weather in Paris?' },
  CALL,
  { role: 'tool', content: '{"temp": 21}', tool_name: 'get_weather' },
];

const rows: Row[] = [
  [
    'CHATML: one user message',
    { template: CHATML, messages: [{ role: 'user', content: 'Hello' }] },
    lines('<|im_start|>user', 'Hello<|im_end|>', '<|im_start|>assistant', ''),
  ],
  [
    'CHATML: system and several turns',
    { template: CHATML, messages: CHAT },
    lines(
      '<|im_start|>system',
      'You are terse.<|im_end|>',
      '<|im_start|>user',
      'Hi!<|im_end|>',
      '<|im_start|>assistant',
      'Hello.<|im_end|>',
      '<|im_start|>user',
      'What is 2+2?<|im_end|>',
      '<|im_start|>assistant',
      '',
    ),
  ],
  [
    'CHATML: Modelfile system is prepended',
    { template: CHATML, messages: [{ role: 'user', content: 'Hello' }], system: 'You are a pirate.' },
    lines(
      '<|im_start|>system',
      'You are a pirate.<|im_end|>',
      '<|im_start|>user',
      'Hello<|im_end|>',
      '<|im_start|>assistant',
      '',
    ),
  ],
  [
    'CHATML: a system message in the request wins over the Modelfile one',
    {
      template: CHATML,
      messages: [
        { role: 'system', content: 'Be formal.' },
        { role: 'user', content: 'Hello' },
      ],
      system: 'You are a pirate.',
    },
    lines(
      '<|im_start|>system',
      'Be formal.<|im_end|>',
      '<|im_start|>user',
      'Hello<|im_end|>',
      '<|im_start|>assistant',
      '',
    ),
  ],
  [
    'CHATML: consecutive user messages are merged',
    {
      template: CHATML,
      messages: [
        { role: 'user', content: 'First.' },
        { role: 'user', content: 'Second.' },
      ],
    },
    lines('<|im_start|>user', 'First.', '', 'Second.<|im_end|>', '<|im_start|>assistant', ''),
  ],
  [
    'CHATML: tools, a tool call and its result',
    { template: CHATML, messages: TOOLCHAT, tools: [WEATHER] },
    lines(
      '<|im_start|>system',
      'You can call these tools:',
      '{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}}',
      'To call one, answer <tool_call>{"name": ..., "arguments": {...}}</tool_call>.<|im_end|>',
      '<|im_start|>user',
      'Weather in Paris?<|im_end|>',
      '<|im_start|>assistant',
      '<tool_call>{"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}</tool_call><|im_end|>',
      '<|im_start|>tool (get_weather)',
      '{"temp": 21}<|im_end|>',
      '<|im_start|>assistant',
      '',
    ),
  ],
  [
    'CHATML: a partial reply is continued',
    { template: CHATML, messages: [{ role: 'user', content: 'Count to 3' }], response: '1, 2' },
    lines('<|im_start|>user', 'Count to 3<|im_end|>', '<|im_start|>assistant', '1, 2'),
  ],
  [
    'LLAMA3: system and several turns',
    { template: LLAMA3, messages: CHAT },
    lines(
      '<|start_header_id|>system<|end_header_id|>',
      '',
      'You are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>',
      '',
      'Hi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>',
      '',
      'Hello.<|eot_id|><|start_header_id|>user<|end_header_id|>',
      '',
      'What is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>',
      '',
      '',
    ),
  ],
  [
    'LLAMA3: tools, a tool call and its result',
    { template: LLAMA3, messages: TOOLCHAT, tools: [WEATHER], system: 'Use tools when useful.' },
    lines(
      '<|start_header_id|>system<|end_header_id|>',
      '',
      'Use tools when useful.',
      '',
      'Today is 2024-05-06. You may call these functions:',
      '{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}}}',
      'Reply with {"name": ..., "parameters": {...}} to call one.<|eot_id|><|start_header_id|>user<|end_header_id|>',
      '',
      'Weather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>',
      '',
      '{"name": "get_weather", "parameters": {"city":"Paris","unit":"celsius"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>',
      '',
      '{"temp": 21}<|eot_id|><|start_header_id|>assistant<|end_header_id|>',
      '',
      '',
    ),
  ],
  [
    'MISTRAL: system goes into the last user turn',
    { template: MISTRAL, messages: CHAT },
    lines('[INST] Hi![/INST] Hello.</s>[INST] You are terse.', '', 'What is 2+2?[/INST]'),
  ],
  [
    'MISTRAL: tools, a tool call and its result',
    {
      template: MISTRAL,
      messages: [
        ...TOOLCHAT,
        { role: 'assistant', content: 'It is 21 degrees.' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      tools: [WEATHER],
    },
    lines(
      '[INST] Weather in Paris?[/INST][TOOL_CALLS] [{"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}]</s>[TOOL_RESULTS] {"content": "{\\"temp\\": 21}"}[/TOOL_RESULTS] It is 21 degrees.</s>[AVAILABLE_TOOLS] [{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}}}][/AVAILABLE_TOOLS][INST] And tomorrow?[/INST]',
    ),
  ],
  [
    'GEMMA: system messages are joined into the first user turn',
    {
      template: GEMMA,
      messages: [
        { role: 'system', content: 'Rule one.' },
        { role: 'system', content: 'Rule two.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Bye' },
      ],
    },
    lines(
      '<start_of_turn>user',
      'Rule one.',
      '',
      'Rule two.',
      'Hi<end_of_turn>',
      '<start_of_turn>model',
      'Hello<end_of_turn>',
      '<start_of_turn>user',
      'Bye<end_of_turn>',
      '<start_of_turn>model',
      '',
    ),
  ],
  [
    'GEMMA: no system',
    { template: GEMMA, messages: [{ role: 'user', content: 'Hi' }] },
    lines('<start_of_turn>user', 'Hi<end_of_turn>', '<start_of_turn>model', ''),
  ],
  [
    'PHI3: several turns',
    { template: PHI3, messages: CHAT },
    lines(
      '<|system|>',
      'You are terse.<|end|>',
      '<|user|>',
      'Hi!<|end|>',
      '<|assistant|>',
      'Hello.<|end|>',
      '<|user|>',
      'What is 2+2?<|end|>',
      '<|assistant|>',
      '',
    ),
  ],
  [
    'LEGACY: generate: system and prompt',
    { template: LEGACY, messages: [], system: 'You are a poet.', prompt: 'Write a haiku.' },
    lines('You are a poet. Write a haiku.'),
  ],
  [
    'LEGACY: chat: finished exchanges are rendered in turn',
    { template: LEGACY, messages: CHAT },
    lines('You are terse. Hi!Hello. What is 2+2?'),
  ],
  [
    'LEGACY: chat: a partial reply fills .Response of the last turn',
    { template: LEGACY, messages: CHAT, response: 'Four' },
    lines('You are terse. Hi!Hello. What is 2+2?Four'),
  ],
  [
    'ALPACA: one prompt',
    { template: ALPACA, messages: [], prompt: 'Name a colour.' },
    lines('### Instruction:', 'Name a colour.', '', '### Response:', ''),
  ],
  [
    'ALPACA: turns; the last stops right after .Response',
    { template: ALPACA, messages: CHAT },
    lines(
      'You are terse.',
      '',
      '### Instruction:',
      'Hi!',
      '',
      '### Response:',
      'Hello.</s>',
      '### Instruction:',
      'What is 2+2?',
      '',
      '### Response:',
      '',
    ),
  ],
  [
    'ALPACA: a new system message starts a new exchange; tool messages are ignored',
    {
      template: ALPACA,
      messages: [
        { role: 'system', content: 's1' },
        { role: 'user', content: 'u1' },
        { role: 'tool', content: 'ignored', tool_name: 't' },
        { role: 'assistant', content: 'a1' },
        { role: 'system', content: 's2' },
        { role: 'user', content: 'u2' },
      ],
    },
    lines(
      's1',
      '',
      '### Instruction:',
      'u1',
      '',
      '### Response:',
      'a1</s>',
      's2',
      '',
      '### Instruction:',
      'u2',
      '',
      '### Response:',
      '',
    ),
  ],
  [
    'FIM: prompt and suffix select fill-in-the-middle',
    { template: FIM, messages: [], prompt: 'def add(a, b):\n', suffix: '\n    return c' },
    lines('<PRE> def add(a, b):', ' <SUF>', '    return c <MID>'),
  ],
  [
    'FIM: a prompt alone is a plain completion',
    { template: FIM, messages: [], prompt: 'def add(a, b):' },
    lines('def add(a, b):'),
  ],
  [
    'FIM: a suffix with an empty prompt renders no prompt',
    { template: FIM, messages: [], prompt: '', suffix: 'tail' },
    lines(''),
  ],
  [
    'THINK: think unset',
    { template: THINK, messages: [{ role: 'user', content: 'Why?' }] },
    lines('<|user|>Why?<|assistant|>'),
  ],
  [
    'THINK: think true',
    { template: THINK, messages: [{ role: 'user', content: 'Why?' }], think: true },
    lines('<|user|>Why?<|assistant|><think level="medium">'),
  ],
  [
    'THINK: think false',
    { template: THINK, messages: [{ role: 'user', content: 'Why?' }], think: false },
    lines('<|user|>Why?<|assistant|><think></think>'),
  ],
  [
    'THINK: think level',
    { template: THINK, messages: [{ role: 'user', content: 'Why?' }], think: 'high' },
    lines('<|user|>Why?<|assistant|><think level="high">'),
  ],
];

describe('renderPrompt with library-style templates', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(renderPrompt(input, { now })).toBe(expected);
  });
});

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const BOOK: ToolDefinition = {
  name: 'book',
  parameters: {
    type: 'object',
    properties: {
      when: { type: ['string', 'null'] },
      who: {
        type: 'object',
        properties: { zname: { type: 'string' }, age: { type: 'integer' } },
        required: ['zname'],
      },
      tags: { type: 'array', items: { type: 'string' } },
      opt: { anyOf: [{ type: 'string' }, { type: 'number' }] },
    },
  },
};
const ARGS_CALL: ChatMessage = {
  role: 'assistant',
  content: '',
  tool_calls: [
    { name: 'f', arguments: { unit: 'c', city: 'Paris & <Lyon>', n: 3, nested: { b: 1, a: [1, 2] } } },
  ],
};

const shapes: Row[] = [
  [
    '.Prompt is missing on the messages path',
    { template: '{{ range .Messages }}{{ .Content }}{{ end }}|{{ .Prompt }}', messages: [user('hi')] },
    'hi|<no value>',
  ],
  [
    '.Response is empty on the messages path',
    { template: '{{ range .Messages }}{{ end }}[{{ .Response }}]', messages: [user('hi')] },
    '[]',
  ],
  [
    '.Tools without tools is a nil list that prints null',
    {
      template:
        '{{ range .Messages }}{{ end }}{{ .Tools }}|{{ json .Tools }}|{{ if .Tools }}T{{ else }}F{{ end }}',
      messages: [user('hi')],
    },
    'null|null|F',
  ],
  [
    'a message prints as a Go struct',
    { template: '{{ range .Messages }}{{ . }}{{ end }}', messages: [user('hi')] },
    '{user hi  [] []  }',
  ],
  [
    'tool call arguments print as JSON with sorted keys and range in key order',
    {
      template:
        '{{ range .Messages }}{{ range .ToolCalls }}{{ .Function.Arguments }}|' +
        '{{ range $k, $v := .Function.Arguments }}{{ $k }}={{ $v }};{{ end }}{{ end }}{{ end }}',
      messages: [ARGS_CALL],
    },
    '{"city":"Paris \\u0026 \\u003cLyon\\u003e","n":3,"nested":{"a":[1,2],"b":1},"unit":"c"}|' +
      'city=Paris & <Lyon>;n=3;nested=map[a:[1 2] b:1];unit=c;',
  ],
  [
    'tool properties: PropertyType, toTypeScriptType and the method form',
    {
      template:
        '{{ range .Messages }}{{ end }}{{ range .Tools }}{{ range $n, $p := .Function.Parameters.Properties }}' +
        '{{ $n }}:{{ $p.Type }}:{{ toTypeScriptType $p }}:{{ $p.ToTypeScriptType }};{{ end }}{{ end }}',
      messages: [user('hi')],
      tools: [BOOK],
    },
    'opt::string | number:string | number;tags:array:any[]:any[];when:[string null]:string | null:string | null;' +
      'who:object:Record<string, any>:Record<string, any>;',
  ],
  [
    'nested tool properties keep their order in JSON',
    {
      template:
        '{{ range .Messages }}{{ end }}{{ range .Tools }}{{ json .Function.Parameters.Properties.who }}{{ end }}',
      messages: [user('hi')],
      tools: [BOOK],
    },
    '{"type":"object","properties":{"zname":{"type":"string"},"age":{"type":"integer"}},"required":["zname"]}',
  ],
  [
    'think level',
    {
      template: '{{ range .Messages }}{{ end }}{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}',
      messages: [user('hi')],
      think: 'low',
    },
    'true low true',
  ],
  [
    'think unset',
    {
      template: '{{ range .Messages }}{{ end }}{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}',
      messages: [user('hi')],
    },
    'false  false',
  ],
  [
    'legacy: the cut drops a pipeline stage after .Response',
    {
      template: '{{ .Prompt }}{{ .Response | printf "%s!" }}tail',
      messages: [user('u1'), assistant('a1'), user('u2')],
    },
    'u1a1!tailu2',
  ],
  [
    'legacy: the cut keeps the operands before .Response',
    {
      template: '{{ .Prompt }}{{ printf "%s|%s" .Response .System }}tail',
      messages: [user('u1'), assistant('a1'), user('u2')],
    },
    'u1a1|tailu2|%!s(MISSING)',
  ],
  [
    'legacy: the cut inside an if keeps the if',
    {
      template: '{{ .Prompt }}{{ if .Prompt }}[{{ .Response }}]after{{ end }}tail',
      messages: [user('u1'), assistant('a1'), user('u2')],
    },
    'u1[a1]aftertailu2[',
  ],
  [
    'an empty template renders only the appended .Response',
    { template: '', messages: [user('u'), assistant('a'), user('v')] },
    'a',
  ],
];

describe('renderPrompt data shapes (Ollama quirks included)', () => {
  it.each(shapes)('%s', (_name, input, expected) => {
    expect(renderPrompt(input, { now })).toBe(expected);
  });
});

describe('renderPrompt errors', () => {
  it('rejects {{template}} without an argument, as Ollama does', () => {
    const run = (): string =>
      renderPrompt({ template: '{{ define "x" }}x{{ end }}{{ template "x" }}', messages: [user('u')] });
    expect(run).toThrow(/undefined template specified/);
    try {
      run();
    } catch (err) {
      expect(isAppError(err, 'INVALID_REQUEST')).toBe(true);
    }
  });

  it('reports parse errors with the line', () => {
    expect(() => renderPrompt({ template: 'a\n{{ .Prompt', messages: [] })).toThrow(
      'template: line 2: unclosed action',
    );
  });
});

describe('collate', () => {
  it.each<[string, ChatMessage[], string, ChatMessage[]]>([
    ['merges consecutive user messages', [user('a'), user('b')], '', [user('a\n\nb')]],
    [
      'keeps consecutive tool messages apart',
      [
        { role: 'tool', content: 'x', tool_name: 'f' },
        { role: 'tool', content: 'y', tool_name: 'g' },
      ],
      '',
      [
        { role: 'tool', content: 'x', tool_name: 'f' },
        { role: 'tool', content: 'y', tool_name: 'g' },
      ],
    ],
    [
      'joins every system message, keeping them in the list',
      [{ role: 'system', content: 's1' }, user('u'), { role: 'system', content: 's2' }],
      's1\n\ns2',
      [{ role: 'system', content: 's1' }, user('u'), { role: 'system', content: 's2' }],
    ],
  ])('%s', (_name, messages, system, collated) => {
    const before = structuredClone(messages);
    expect(collate(messages)).toEqual({ system, messages: collated });
    expect(messages).toEqual(before);
  });
});
