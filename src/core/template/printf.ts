/**
 * Go's `fmt.Sprintf`, as the template builtin `printf` exposes it: flags `+ - # 0 space`, width and precision
 * (`*` reads them from the operands), the verbs of {@link formatArg}, and Go's inline error notes
 * (`%!d(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`, `%!(BADPREC)`).
 * Explicit argument indexes (`%[2]d`) are not supported: they print as a bad verb.
 */
import { formatArg, PLAIN, type FmtSpec } from './fmt.js';
import { typeName } from './values.js';

const MAX_NUM = 1e6;

function parseNum(format: string, i: number): { n?: number; next: number } {
  let j = i;
  let n = 0;
  while (j < format.length && format[j]! >= '0' && format[j]! <= '9') {
    n = n * 10 + format.charCodeAt(j) - 48;
    if (n > MAX_NUM) return { next: format.length };
    j++;
  }
  return j === i ? { next: i } : { n, next: j };
}

function intArg(args: readonly unknown[], k: number): number | undefined {
  const v = args[k];
  if (typeof v === 'bigint' && v <= BigInt(MAX_NUM) && v >= -BigInt(MAX_NUM)) return Number(v);
  return undefined;
}

/** Format `args` under `format` exactly as Go's `fmt.Sprintf` would for the supported verbs. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: FmtSpec = { plus: false, minus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '#') f.sharp = true;
      else if (c === '0') f.zero = !f.minus;
      else if (c === '+') f.plus = true;
      else if (c === '-') [f.minus, f.zero] = [true, false];
      else if (c === ' ') f.space = true;
      else break;
    }
    if (format[i] === '*') {
      i++;
      f.width = intArg(args, argNum);
      if (argNum < args.length) argNum++;
      if (f.width === undefined) out += '%!(BADWIDTH)';
      else if (f.width < 0) [f.width, f.minus, f.zero] = [-f.width, true, false];
    } else {
      const w = parseNum(format, i);
      f.width = w.n;
      i = w.next;
    }
    if (i + 1 < format.length && format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        f.prec = intArg(args, argNum);
        if (argNum < args.length) argNum++;
        if (f.prec !== undefined && f.prec < 0) f.prec = undefined;
        else if (f.prec === undefined) out += '%!(BADPREC)';
      } else {
        const p = parseNum(format, i);
        f.prec = p.n ?? 0;
        i = p.next;
      }
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'v') [f.plusV, f.plus] = [f.plus, false];
    out += formatArg(args[argNum++], verb, f);
  }
  if (argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${formatArg(a, 'v', PLAIN)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
