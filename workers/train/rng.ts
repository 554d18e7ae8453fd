/**
 * A small seeded pseudo-random generator (sfc32) whose whole state is four 32-bit integers, so a
 * training run can checkpoint it and resume the exact same random stream.
 */

/** Serializable generator state (four uint32 words). */
export type RngState = [number, number, number, number];

/**
 * Seeded PRNG (sfc32, seeded through splitmix32). Same seed → same stream on every runtime.
 * @example const rng = new Rng(42); rng.uniform(-1, 1); const s = rng.state; rng.state = s;
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** Seed (any finite number; fractional parts are ignored). Default 0. */
  constructor(seed = 0) {
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next uint32. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** In-place Fisher–Yates shuffle; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** Current state (a copy). */
  get state(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /** Restores a state from {@link Rng.state}; throws `rng: ...` on a malformed state. */
  set state(s: RngState) {
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error(`rng: state must be four uint32 values, got ${JSON.stringify(s)}`);
    }
    [this.a, this.b, this.c, this.d] = [s[0] | 0, s[1] | 0, s[2] | 0, s[3] | 0];
  }

  /**
   * Runs `fn` with `Math.random` replaced by this generator (restored afterwards, also on
   * error). tfjs draws unseeded dropout masks from `Math.random`, so this makes a synchronous
   * training step reproducible. `fn` must be synchronous.
   */
  asMathRandom<T>(fn: () => T): T {
    const original = Math.random;
    Math.random = () => this.next();
    try {
      return fn();
    } finally {
      Math.random = original;
    }
  }
}
