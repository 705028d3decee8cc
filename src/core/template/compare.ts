/**
 * The comparison builtins `eq ne lt le gt ge` of Go's `text/template` (`funcs.go`): basic kinds compare by
 * value, an `int` never equals a `float64` (an error, as in Go), nil compares equal to nil only, and slices
 * or maps cannot be compared except with nil.
 */
import { FuncError } from './func-error.js';
import { compareStrings, GoNil, GoStruct, isNil, kindOf, typeName } from './values.js';

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

/** The `reflect.Kind` class used to decide whether two non-basic values can be compared at all. */
function reflectKind(v: unknown): string {
  if (v === undefined || v === null) return 'invalid';
  if (v instanceof GoStruct) return v.type.pointer ? 'ptr' : 'struct';
  if (v instanceof GoNil) return v.kind === 'pointer' ? 'ptr' : v.kind;
  return kindOf(v);
}

function comparable(v: unknown): boolean {
  const k = reflectKind(v);
  return k === 'ptr' || k === 'struct';
}

/** `eq arg1 arg2…`: true when `arg1` equals any of the others. */
export function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      // Comparing with an untyped nil is merely false; two real values of different kinds are an error.
      if (arg1 !== undefined && arg1 !== null && arg !== undefined && arg !== null) {
        throw new FuncError('incompatible types for comparison');
      }
    } else if (k1 !== 'invalid') {
      truth = arg1 === arg;
    } else {
      const [r1, r2] = [reflectKind(arg1), reflectKind(arg)];
      if (r1 !== r2 && r1 !== 'invalid' && r2 !== 'invalid') {
        throw new FuncError(`non-comparable types ${typeName(arg1)}, ${typeName(arg)}`);
      }
      if (isNil(arg1) || isNil(arg)) truth = isNil(arg1) === isNil(arg);
      else if (!comparable(arg)) throw new FuncError(`non-comparable type ${typeName(arg)}`);
      else truth = arg1 === arg;
    }
    if (truth) return true;
  }
  return false;
}

/** `ne a b`. */
export function ne(a: unknown, b: unknown): boolean {
  return !eq(a, b);
}

/** `lt a b`: both of one basic kind (not bool). */
export function lt(a: unknown, b: unknown): boolean {
  const [k1, k2] = [basicKind(a), basicKind(b)];
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError('invalid type for comparison');
  if (k1 !== k2) throw new FuncError('incompatible types for comparison');
  if (k1 === 'bool') throw new FuncError('invalid type for comparison');
  if (k1 === 'string') return compareStrings(a as string, b as string) < 0;
  return (a as number) < (b as number);
}

/** `le a b`. */
export function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

/** `gt a b`. */
export function gt(a: unknown, b: unknown): boolean {
  return !le(a, b);
}

/** `ge a b`. */
export function ge(a: unknown, b: unknown): boolean {
  return !lt(a, b);
}
