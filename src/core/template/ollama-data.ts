/**
 * Corral's messages and tools as the Go values Ollama hands to templates (`template/template.go`:
 * `templateMessage`, `templateTool`, `templateArgs`…; `api/types.go`: `ToolProperty`, `PropertyType`).
 * Field names, field order, JSON tags, `String()` methods and nil-ness follow Ollama, so `{{ .Tools }}`,
 * `{{ json .Function.Arguments }}` or `{{ $prop.Type }}` print what Ollama prints: top-level argument and
 * property maps with sorted keys (Go maps), nested tool properties in their given order.
 */
import type { ChatMessage, ToolDefinition } from '../runner.js';
import { formatArg, PLAIN } from './fmt.js';
import { jsonString, marshalJSON } from './json.js';
import { GoNil, GoStruct, typed, type GoStructType, type GoType } from './values.js';

const asJSON = (v: unknown): string => marshalJSON(v) ?? '';

const MESSAGE: GoStructType = {
  name: '*template.templateMessage',
  pointer: true,
  fields: ['Role', 'Content', 'Thinking', 'Images', 'ToolCalls', 'ToolName', 'ToolCallID'].map((name) => ({
    name,
  })),
};
const TOOL_CALL: GoStructType = {
  name: 'template.templateToolCall',
  fields: [{ name: 'ID' }, { name: 'Function' }],
};
const TOOL_CALL_FUNCTION: GoStructType = {
  name: 'template.templateToolCallFunction',
  fields: [{ name: 'Index' }, { name: 'Name' }, { name: 'Arguments' }],
};
const ARGS: GoType = { name: 'template.templateArgs', string: asJSON };
const MESSAGES: GoType = { name: '[]*template.templateMessage' };
const TOOL_CALLS: GoType = { name: '[]template.templateToolCall' };
const IMAGES: GoType = { name: '[]api.ImageData' };
const STRINGS: GoType = { name: '[]string' };
const TOOLS: GoType = { name: 'template.templateTools', string: asJSON };
const TOOL: GoStructType = {
  name: 'template.templateTool',
  string: asJSON,
  fields: [
    { name: 'Type', json: 'type' },
    { name: 'Items', json: 'items', omitEmpty: true },
    { name: 'Function', json: 'function' },
  ],
};
const TOOL_FUNCTION: GoStructType = {
  name: 'template.templateToolFunction',
  fields: [
    { name: 'Name', json: 'name' },
    { name: 'Description', json: 'description' },
    { name: 'Parameters', json: 'parameters' },
  ],
};
const PARAMETERS: GoStructType = {
  name: 'template.templateToolFunctionParameters',
  fields: [
    { name: 'Type', json: 'type' },
    { name: 'Defs', json: '$defs', omitEmpty: true },
    { name: 'Items', json: 'items', omitEmpty: true },
    { name: 'Required', json: 'required', omitEmpty: true },
    { name: 'Properties', json: 'properties' },
  ],
};
const PROPERTIES: GoType = {
  name: 'template.templateProperties',
  string: (v) => (v instanceof GoNil ? '{}' : asJSON(v)),
};
const PROPERTY_TYPE: GoType = {
  name: 'api.PropertyType',
  string: (v) =>
    Array.isArray(v) && v.length === 1
      ? String(v[0])
      : Array.isArray(v) && v.length > 1
        ? formatArg((v as unknown[]).slice(), 'v', PLAIN)
        : '',
  marshalJSON: (v) =>
    Array.isArray(v) && v.length === 1
      ? jsonString(String(v[0]))
      : asJSON(Array.isArray(v) ? (v as unknown[]).slice() : null),
};
const TS_TYPES: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  array: 'any[]',
  object: 'Record<string, any>',
  null: 'null',
};
const PROPERTY: GoStructType = {
  name: 'api.ToolProperty',
  fields: [
    { name: 'AnyOf', json: 'anyOf', omitEmpty: true },
    { name: 'Type', json: 'type', omitEmpty: true },
    { name: 'Items', json: 'items', omitEmpty: true },
    { name: 'Description', json: 'description', omitEmpty: true },
    { name: 'Enum', json: 'enum', omitEmpty: true },
    { name: 'Properties', json: 'properties', omitEmpty: true },
    { name: 'Required', json: 'required', omitEmpty: true },
  ],
  methods: { ToTypeScriptType: (self) => toTypeScriptType(self) },
};

/** Ollama's `ToolProperty.ToTypeScriptType`. */
function toTypeScriptType(p: GoStruct): string {
  const anyOf = p.values.AnyOf;
  if (Array.isArray(anyOf) && anyOf.length > 0)
    return anyOf.map((a) => toTypeScriptType(a as GoStruct)).join(' | ');
  const types = p.values.Type;
  if (!Array.isArray(types) || types.length === 0) return 'any';
  return types.map((t) => TS_TYPES[String(t)] ?? 'any').join(' | ');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): unknown =>
  Array.isArray(v)
    ? typed(
        v.filter((s) => typeof s === 'string'),
        STRINGS,
      )
    : new GoNil('slice', STRINGS);
const any = (v: unknown): unknown => (v === undefined ? null : v);

/** A JSON-schema property as Ollama's `api.ToolProperty`. */
function toolProperty(schema: unknown): GoStruct {
  const s = isObject(schema) ? schema : {};
  const type =
    typeof s.type === 'string'
      ? [s.type]
      : Array.isArray(s.type)
        ? s.type.filter((t) => typeof t === 'string')
        : [];
  return new GoStruct(PROPERTY, {
    AnyOf: Array.isArray(s.anyOf)
      ? s.anyOf.map(toolProperty)
      : new GoNil('slice', { name: '[]api.ToolProperty' }),
    Type: type.length > 0 ? typed(type, PROPERTY_TYPE) : new GoNil('slice', PROPERTY_TYPE),
    Items: any(s.items),
    Description: str(s.description),
    Enum: Array.isArray(s.enum) ? s.enum : new GoNil('slice', { name: '[]interface {}' }),
    Properties: isObject(s.properties)
      ? orderedProperties(s.properties)
      : new GoNil('pointer', { name: '*api.ToolPropertiesMap' }),
    Required: strings(s.required),
  });
}

/** Nested properties: Ollama keeps them in an insertion-ordered map (`*api.ToolPropertiesMap`). */
function orderedProperties(props: Record<string, unknown>): GoStruct {
  const entries = Object.entries(props).map(([k, v]) => [k, toolProperty(v)] as const);
  const marshal = (): string => `{${entries.map(([k, v]) => `${jsonString(k)}:${asJSON(v)}`).join(',')}}`;
  return new GoStruct(
    { name: '*api.ToolPropertiesMap', pointer: true, fields: [], marshalJSON: marshal },
    {},
  );
}

/** Tools as Ollama's `templateTools` (nil when none were given). */
export function templateTools(tools: readonly ToolDefinition[] | undefined): unknown {
  if (tools === undefined) return new GoNil('slice', { ...TOOLS, string: () => 'null' });
  const list = tools.map((tool) => {
    const p = isObject(tool.parameters) ? tool.parameters : {};
    const properties = isObject(p.properties)
      ? typed(
          Object.fromEntries(Object.entries(p.properties).map(([k, v]) => [k, toolProperty(v)])),
          PROPERTIES,
        )
      : new GoNil('map', PROPERTIES);
    const parameters = new GoStruct(PARAMETERS, {
      Type: str(p.type),
      Defs: any(p.$defs),
      Items: any(p.items),
      Required: strings(p.required),
      Properties: properties,
    });
    const fn = new GoStruct(TOOL_FUNCTION, {
      Name: tool.name,
      Description: tool.description ?? '',
      Parameters: parameters,
    });
    return new GoStruct(TOOL, { Type: 'function', Items: null, Function: fn });
  });
  return typed(list, TOOLS);
}

/** Messages as Ollama's `[]*templateMessage`. */
export function templateMessages(messages: readonly ChatMessage[] | undefined): unknown {
  if (messages === undefined) return new GoNil('slice', MESSAGES);
  const list = messages.map((m) => {
    const calls = m.tool_calls?.map(
      (c) =>
        new GoStruct(TOOL_CALL, {
          ID: '',
          Function: new GoStruct(TOOL_CALL_FUNCTION, {
            Index: 0n,
            Name: c.name,
            Arguments: typed({ ...c.arguments }, ARGS),
          }),
        }),
    );
    return new GoStruct(MESSAGE, {
      Role: m.role,
      Content: m.content,
      Thinking: '',
      Images: new GoNil('slice', IMAGES),
      ToolCalls: calls && calls.length > 0 ? typed(calls, TOOL_CALLS) : new GoNil('slice', TOOL_CALLS),
      ToolName: m.tool_name ?? '',
      ToolCallID: '',
    });
  });
  return typed(list, MESSAGES);
}
