/**
 * Go's `strconv.FormatFloat` for the `e`, `f` and `g` formats: what `fmt` prints for `float64` values.
 *
 * Shortest formatting (precision -1) takes its digits from `Number#toExponential()`, which, like Go, picks the
 * shortest digit string that reads back as the same double. Fixed precisions round the double's exact decimal
 * expansion half-to-even, as Go does (JavaScript's `toFixed` rounds exact ties away from zero instead).
 */

/** Decimal digits (no trailing zeros) and the decimal point position: value = 0.d₁d₂… × 10^dp. */
interface Decimal {
  digits: string;
  dp: number;
}

/** The exact decimal expansion of a positive finite double. */
function exactDecimal(x: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  if (exp >= 0) return trim((mant << BigInt(exp)).toString(), 0);
  // mant / 2^k = mant·5^k / 10^k
  const s = (mant * 5n ** BigInt(-exp)).toString();
  return trim(s, exp);
}

function trim(s: string, exp10: number): Decimal {
  const digits = s.replace(/0+$/, '');
  return { digits, dp: s.length + exp10 };
}

/** The shortest digits that read back as `x` (positive, finite). */
function shortestDecimal(x: number): Decimal {
  const [mant = '0', e = '0'] = x.toExponential().split('e');
  return { digits: mant.replace('.', '').replace(/0+$/, ''), dp: Number(e) + 1 };
}

/** Keep `nd` significant digits, rounding half to even on exact ties (Go's `decimal.Round`). */
function roundTo(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: '', dp: d.dp };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  const exactHalf = next === 5 && nd + 1 === d.digits.length;
  const up = exactHalf ? nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1 : next >= 5;
  const kept = d.digits.slice(0, nd);
  if (!up) return { digits: kept.replace(/0+$/, ''), dp: d.dp };
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: kept.slice(0, i) + String(kept.charCodeAt(i) - 47), dp: d.dp };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i]! : '0';
}

/** `%e` layout of rounded digits: d.ddde±XX with `prec` fraction digits. */
function layoutE(d: Decimal, prec: number, e: 'e' | 'E'): string {
  let out = d.digits.length === 0 ? '0' : digitAt(d, 0);
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digitAt(d, i);
  }
  const exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const abs = Math.abs(exp);
  return `${out}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

/** `%f` layout of rounded digits with `prec` fraction digits. */
function layoutF(d: Decimal, prec: number): string {
  let out = '';
  if (d.dp > 0) for (let i = 0; i < d.dp; i++) out += digitAt(d, i);
  else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += digitAt(d, d.dp + i);
  }
  return out;
}

/**
 * Format `x` like Go's `strconv.FormatFloat(x, verb, prec, 64)`; `prec` -1 means the shortest exact form.
 * `g`/`G` use `%e` when the exponent is below -4 or at least the precision (6 for the shortest form).
 */
export function formatFloat(x: number, verb: 'e' | 'E' | 'f' | 'g' | 'G', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let d: Decimal;
  if (abs === 0) d = { digits: '', dp: 0 };
  else if (shortest) d = shortestDecimal(abs);
  else {
    const exact = exactDecimal(abs);
    if (verb === 'f') d = roundTo(exact, exact.dp + prec);
    else if (verb === 'e' || verb === 'E') d = roundTo(exact, prec + 1);
    else d = roundTo(exact, prec === 0 ? 1 : prec);
  }
  const nd = d.digits.length;
  let body: string;
  if (verb === 'e' || verb === 'E') body = layoutE(d, shortest ? Math.max(nd - 1, 0) : prec, verb);
  else if (verb === 'f') body = layoutF(d, shortest ? Math.max(nd - d.dp, 0) : prec);
  else {
    let p = shortest ? nd : prec === 0 ? 1 : prec;
    let eprec = p;
    if (eprec > nd && nd >= d.dp) eprec = nd;
    if (shortest) eprec = 6;
    const exp = d.dp - 1;
    if (nd > 0 && (exp < -4 || exp >= eprec)) {
      if (p > nd) p = nd;
      body = layoutE(d, Math.max(p - 1, 0), verb === 'g' ? 'e' : 'E');
    } else {
      if (p > d.dp) p = nd;
      body = layoutF(d, Math.max(p - d.dp, 0));
    }
  }
  return neg ? `-${body}` : body;
}
