const SUFFIXES: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes resource quantity (`3800m`, `15Gi`, `1e3`) in
 * base units; undefined when it is not a quantity.
 */
export function parseQuantity(
  quantity: string | undefined,
): number | undefined {
  if (quantity === undefined) return undefined;
  const match =
    /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(
      quantity.trim(),
    );
  if (!match) return undefined;
  const [, number, exponent, suffix] = match;
  if (exponent) return Number(`${number}${exponent}`);
  const factor = SUFFIXES[suffix ?? ''];
  return factor === undefined ? undefined : Number(number) * factor;
}

/** A CPU quantity in millicores, rounded up as Kubernetes does; 0 when absent. */
export function cpuMillicores(quantity: string | undefined): number {
  const cores = parseQuantity(quantity);
  return cores === undefined ? 0 : Math.ceil(Math.round(cores * 1e6) / 1e3);
}

/** A memory quantity in bytes, rounded up; 0 when absent. */
export function memoryBytes(quantity: string | undefined): number {
  const bytes = parseQuantity(quantity);
  return bytes === undefined ? 0 : Math.ceil(bytes);
}
