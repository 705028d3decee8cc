/**
 * The value model of the template interpreter: how JavaScript values stand in for Go values.
 *
 * | Go                              | JavaScript                                   |
 * |---------------------------------|----------------------------------------------|
 * | invalid `reflect.Value`         | `undefined`                                  |
 * | nil interface (`any(nil)`)      | `null`                                       |
 * | `string`, `bool`                | `string`, `boolean`                          |
 * | `int` (literals, `len`, indexes)| `bigint`                                     |
 * | `float64` (JSON numbers)        | `number`                                     |
 * | slice                           | `Array`                                      |
 * | `map[string]any`                | plain object or `Map` (ranged in key order)  |
 * | struct (or pointer to struct)   | {@link GoStruct}                             |
 * | typed nil slice, map or pointer | {@link GoNil}                                |
 *
 * Arrays and objects may carry a {@link GoType} (see {@link typed}) to get a Go type's `String()` or
 * `MarshalJSON()`, as Ollama's `templateTools` and `templateArgs` do.
 */

/** Behaviour a value can carry so the interpreter treats it as a named Go type. */
export interface GoType {
  /** Go type name for messages and `%T`, e.g. `template.templateTools`. */
  readonly name: string;
  /** `fmt.Stringer`: what printing the value shows. */
  readonly string?: (value: unknown) => string;
  /** `json.Marshaler`: the value's JSON text. */
  readonly marshalJSON?: (value: unknown) => string;
}

/** One field of a Go struct, with its `json` tag. */
export interface GoField {
  readonly name: string;
  /** JSON key; defaults to the field name. */
  readonly json?: string;
  readonly omitEmpty?: boolean;
}

/** A Go struct type: fields in declaration order and the methods templates may call (`.Method args`). */
export interface GoStructType extends GoType {
  readonly fields: readonly GoField[];
  /** True when values are pointers to the struct (`fmt` prints `&{…}`). */
  readonly pointer?: boolean;
  readonly methods?: Readonly<Record<string, (self: GoStruct, ...args: unknown[]) => unknown>>;
}

/** A Go struct value. Accessing a field the type lacks is an execution error, as in Go. */
export class GoStruct {
  constructor(
    readonly type: GoStructType,
    readonly values: Readonly<Record<string, unknown>>,
  ) {}

  /** True when the struct type declares field `name`. */
  hasField(name: string): boolean {
    return this.type.fields.some((f) => f.name === name);
  }
}

/** A typed nil: a nil slice, map or pointer of a known Go type (prints `[]`, `map[]`, `<nil>`; JSON `null`). */
export class GoNil {
  constructor(
    readonly kind: 'slice' | 'map' | 'pointer',
    readonly type: GoType,
  ) {}
}

const GO_TYPE = Symbol('corral.template.goType');

/** Tag an array or object with a Go type (its `String()`/`MarshalJSON()`); returns the same value. */
export function typed<T extends object>(value: T, type: GoType): T {
  Object.defineProperty(value, GO_TYPE, { value: type, enumerable: false });
  return value;
}

/** The Go type a value carries, if any. */
export function goTypeOf(value: unknown): GoType | undefined {
  if (value instanceof GoStruct || value instanceof GoNil) return value.type;
  if (typeof value === 'object' && value !== null) {
    return (value as { [GO_TYPE]?: GoType })[GO_TYPE];
  }
  return undefined;
}

/** The Go kinds the interpreter distinguishes. `nil` is a nil interface; `invalid` is no value at all. */
export type Kind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'slice'
  | 'map'
  | 'struct'
  | 'func'
  | 'nilslice'
  | 'nilmap'
  | 'nilpointer';

/** The kind of a value. */
export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    default:
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof GoStruct) return 'struct';
      if (v instanceof GoNil)
        return v.kind === 'slice' ? 'nilslice' : v.kind === 'map' ? 'nilmap' : 'nilpointer';
      return 'map';
  }
}

/** True for the values Go's `reflect.Value.IsNil` (or an invalid value) reports as nil. */
export function isNil(v: unknown): boolean {
  return v === undefined || v === null || v instanceof GoNil;
}

/** Entries of a map value in Go's iteration order (`fmtsort`: keys ascending). */
export function mapEntries(v: object): Array<[string | number | bigint, unknown]> {
  const entries: Array<[string | number | bigint, unknown]> =
    v instanceof Map ? [...(v as Map<string, unknown>).entries()] : Object.entries(v);
  return entries.sort(([a], [b]) => compareKeys(a, b));
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'number' || typeof a === 'bigint') {
    return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  }
  return 0;
}

/** Compare strings as Go does (bytewise UTF-8, which is code point order), not by UTF-16 units. */
export function compareStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
}

/** Look a key up in a map value; `found` is false when absent. */
export function mapGet(v: object, key: string): { found: boolean; value: unknown } {
  if (v instanceof Map) return { found: v.has(key), value: (v as Map<string, unknown>).get(key) };
  return Object.hasOwn(v, key)
    ? { found: true, value: (v as Record<string, unknown>)[key] }
    : { found: false, value: null };
}

/** Number of entries of a map value. */
export function mapSize(v: object): number {
  return v instanceof Map ? v.size : Object.keys(v).length;
}

const encoder = new TextEncoder();

/** Length of a string in UTF-8 bytes, as Go's `len` counts it. */
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** Go's truth: false for the zero value of its type, nil and empty containers. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'bool':
      return v as boolean;
    case 'int':
      return v !== 0n;
    case 'float':
      return v !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return mapSize(v as object) > 0;
    case 'struct':
    case 'func':
      return true;
    default:
      return false;
  }
}

/** A Go-like type name for messages and `%T`. */
export function typeName(v: unknown): string {
  const t = goTypeOf(v);
  if (t) return t.name;
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return '[]interface {}';
    case 'func':
      return 'func';
    default:
      return 'map[string]interface {}';
  }
}
