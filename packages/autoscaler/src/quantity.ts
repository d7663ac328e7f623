// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), reduced to what a CPU or memory
// request needs: a decimal number with an optional SI, binary or exponent suffix. Arithmetic is exact
// (BigInt) because requests like `1.1` would otherwise round the wrong way (1.1 * 1000 = 1100.0000000000002).

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E)?$/;

const DECIMAL_SUFFIX: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * The quantity in thousandths of its unit, rounded up like `Quantity.MilliValue()`: `500m` -> 500, `1` -> 1000,
 * `0.5` -> 500, `256Mi` -> 268435456000. YAML may hand over a number (`cpu: 1`), hence `number` too.
 */
export function parseQuantityMilli(quantity: string | number): number {
  const text = typeof quantity === 'number' ? String(quantity) : quantity.trim();
  const match = QUANTITY.exec(text);
  if (match === null) throw new Error(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  // value = mantissa * 10^exp10 * 2^exp2, and we want it in milli-units: exp10 + 3.
  let exp10 = 3 - fraction.length;
  let exp2 = 0;
  if (suffix in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[suffix] ?? 0;
  else if (/^[eE]./.test(suffix)) exp10 += Number(suffix.slice(1));
  else exp10 += DECIMAL_SUFFIX[suffix] ?? 0;
  mantissa *= 2n ** BigInt(exp2);
  let milli: bigint;
  if (exp10 >= 0) milli = mantissa * 10n ** BigInt(exp10);
  else {
    const divisor = 10n ** BigInt(-exp10);
    milli = (mantissa + divisor - 1n) / divisor; // ceil, as MilliValue() rounds up
  }
  const value = Number(milli);
  if (!Number.isSafeInteger(value)) throw new Error(`quantity ${JSON.stringify(quantity)} is too large`);
  return sign === '-' ? -value : value;
}
