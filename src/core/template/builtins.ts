/**
 * The functions a template may call: Go's `text/template` builtins (`funcs.go`) and the extras Ollama installs
 * (`json`, `currentDate`, `yesterdayDate`, `toTypeScriptType`, see Ollama's `template/template.go`).
 */
import { eq, ge, gt, le, lt, ne } from './compare.js';
import { evalArgs, htmlEscape, jsEscape, urlQueryEscape } from './escape.js';
import { sprint, sprintln } from './fmt.js';
import { FuncError } from './func-error.js';
import { marshalJSON } from './json.js';
import { sprintf } from './printf.js';
import {
  byteLength,
  GoStruct,
  goTypeOf,
  isTrue,
  kindOf,
  mapGet,
  mapSize,
  typed,
  typeName,
} from './values.js';

/** How an argument is passed: any value (Go's `reflect.Value`/`any`) or a Go `string`. */
export type ParamKind = 'value' | 'string';

/** What a function needs from the caller besides its arguments. */
export interface FuncContext {
  /** The clock `currentDate` reads. */
  now(): Date;
}

/** A template function: its parameters and its body. Bodies report failures by throwing {@link FuncError}. */
export interface FuncDef {
  readonly params: readonly ParamKind[];
  readonly variadic?: ParamKind;
  /** `and`/`or`: the evaluator evaluates operands lazily and returns the deciding one. */
  readonly shortCircuit?: 'and' | 'or';
  call(args: unknown[], ctx: FuncContext): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexArg(index: unknown, cap: number): number {
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  if (typeof index !== 'bigint') throw new FuncError(`cannot index slice/array with type ${typeName(index)}`);
  if (index < 0n || index > BigInt(cap)) throw new FuncError(`index out of range: ${index}`);
  return Number(index);
}

function length(v: unknown): bigint {
  switch (kindOf(v)) {
    case 'string':
      return BigInt(byteLength(v as string));
    case 'slice':
      return BigInt((v as unknown[]).length);
    case 'map':
      return BigInt(mapSize(v as object));
    case 'nilslice':
    case 'nilmap':
      return 0n;
    case 'invalid':
    case 'nil':
    case 'nilpointer':
      throw new FuncError('len of nil pointer');
    default:
      throw new FuncError(`len of type ${typeName(v)}`);
  }
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  let cur: unknown = item;
  for (const i of indexes) {
    const k = kindOf(cur);
    if (k === 'nilpointer' || k === 'nil' || k === 'invalid') throw new FuncError('index of nil pointer');
    if (k === 'slice' || k === 'nilslice') {
      const arr = k === 'slice' ? (cur as unknown[]) : [];
      const x = indexArg(i, arr.length);
      if (x >= arr.length) throw new FuncError(`index out of range: ${x}`);
      cur = arr[x];
    } else if (k === 'string') {
      const bytes = encoder.encode(cur as string);
      const x = indexArg(i, bytes.length);
      if (x >= bytes.length) throw new FuncError(`index out of range: ${x}`);
      cur = BigInt(bytes[x]!);
    } else if (k === 'map' || k === 'nilmap') {
      if (typeof i !== 'string') throw new FuncError(`value has type ${typeName(i)}; should be string`);
      cur = k === 'map' ? mapGet(cur as object, i).value : null;
    } else throw new FuncError(`can't index item of type ${typeName(cur)}`);
  }
  return cur;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k === 'string' && indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
  if (k !== 'string' && k !== 'slice' && k !== 'nilslice')
    throw new FuncError(`can't slice item of type ${typeName(item)}`);
  const bytes = k === 'string' ? encoder.encode(item as string) : undefined;
  const len = bytes ? bytes.length : k === 'slice' ? (item as unknown[]).length : 0;
  const idx = [0, len];
  indexes.forEach((x, n) => (idx[n] = indexArg(x, len)));
  const [lo = 0, hi = len, max = len] = idx;
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  if (indexes.length === 3 && hi > max) throw new FuncError(`invalid slice index: ${hi} > ${max}`);
  if (bytes) return decoder.decode(bytes.slice(lo, hi));
  if (k === 'nilslice') return item;
  const out = (item as unknown[]).slice(lo, hi);
  const type = goTypeOf(item);
  return type ? typed(out, type) : out;
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (fn === undefined || fn === null) throw new FuncError('call of nil');
  if (typeof fn !== 'function') throw new FuncError(`non-function of type ${typeName(fn)}`);
  return (fn as (...a: unknown[]) => unknown)(...args);
}

function isoDate(d: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const value = (params: number, body: (...args: unknown[]) => unknown, variadic = false): FuncDef => ({
  params: Array<ParamKind>(params).fill('value'),
  ...(variadic ? { variadic: 'value' as const } : {}),
  call: (args) => body(...args),
});

/** Go's builtins plus Ollama's extras, by name. */
export const FUNCTIONS: ReadonlyMap<string, FuncDef> = new Map<string, FuncDef>([
  ['and', { params: ['value'], variadic: 'value', shortCircuit: 'and', call: () => undefined }],
  ['or', { params: ['value'], variadic: 'value', shortCircuit: 'or', call: () => undefined }],
  ['not', value(1, (v) => !isTrue(v))],
  ['len', value(1, length)],
  ['index', value(1, index, true)],
  ['slice', value(1, slice, true)],
  ['call', value(1, call, true)],
  ['eq', value(1, eq, true)],
  ['ne', value(2, ne)],
  ['lt', value(2, lt)],
  ['le', value(2, le)],
  ['gt', value(2, gt)],
  ['ge', value(2, ge)],
  ['print', value(0, (...a) => sprint(a), true)],
  ['println', value(0, (...a) => sprintln(a), true)],
  ['printf', { params: ['string'], variadic: 'value', call: ([f, ...a]) => sprintf(f as string, a) }],
  ['html', value(0, (...a) => htmlEscape(evalArgs(a)), true)],
  ['js', value(0, (...a) => jsEscape(evalArgs(a)), true)],
  ['urlquery', value(0, (...a) => urlQueryEscape(evalArgs(a)), true)],
  // Ollama's extras. `json` drops marshal errors (NaN, ±Inf) and yields "", as Ollama does.
  ['json', value(1, (v) => marshalJSON(v) ?? '')],
  // Ollama accepts and ignores a format argument.
  ['currentDate', { params: [], variadic: 'string', call: (_a, ctx) => isoDate(ctx.now()) }],
  [
    'yesterdayDate',
    {
      params: [],
      variadic: 'string',
      call: (_a, ctx) => {
        const d = ctx.now();
        return isoDate(
          new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1, d.getHours(), d.getMinutes()),
        );
      },
    },
  ],
  [
    'toTypeScriptType',
    value(1, (v) => {
      if (!(v instanceof GoStruct)) return 'any';
      const method = v.type.methods?.ToTypeScriptType;
      return method ? method(v) : 'any';
    }),
  ],
]);

/** Names a template may call. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(FUNCTIONS.keys());
