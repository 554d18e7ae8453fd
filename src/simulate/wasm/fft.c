/*
 * Column passes of the simulator's 2-D FFT (src/simulate/fft.ts, fftCols and transpose) in
 * WebAssembly SIMD: the same radix-2^2 butterflies, applied to two neighbouring elements of a
 * row at once (f64x2). Every element gets exactly the operations, in exactly the order, of the
 * TypeScript code (IEEE double arithmetic, no fused multiply-add, no reassociation), so the
 * two give bit-identical results; a test checks it.
 *
 * Built by scripts/build-fft-wasm.sh (clang --target=wasm32 -msimd128 -O3 -ffp-contract=off),
 * which writes the module, base64-encoded, into src/simulate/wasm/fft-wasm.ts.
 *
 * Plan layout (written by the TypeScript side): swaps = bit-reversal pairs (i, j) as uint32;
 * tw = for each radix-2^2 stage h = 4, 16, 64, ... (while 4h <= n): w1r[h] w1i[h] w2r[h] w2i[h];
 * lastW = wr[lastH] wi[lastH] for a final radix-2 stage (lastH = 0 when log2 n is even).
 */
#include <stdint.h>
#include <wasm_simd128.h>

/* re/im[i] = x + y and re/im[j] = x − y, both parts (a butterfly's two outputs) */
static inline void sum_diff(double *re, double *im, int i, int j, v128_t xr, v128_t xi, v128_t yr, v128_t yi) {
  wasm_v128_store(re + i, wasm_f64x2_add(xr, yr));
  wasm_v128_store(im + i, wasm_f64x2_add(xi, yi));
  wasm_v128_store(re + j, wasm_f64x2_sub(xr, yr));
  wasm_v128_store(im + j, wasm_f64x2_sub(xi, yi));
}

static void fft_cols(double *re, double *im, int n, double sgn, const uint32_t *swaps, int nPairs,
                     const double *tw, int lastH, const double *lastW) {
  const v128_t vs = wasm_f64x2_splat(sgn);
  const v128_t vns = wasm_f64x2_splat(-sgn);
  /* bit-reversal permutation of whole rows */
  for (int s = 0; s < nPairs; s++) {
    double *ri = re + (int)swaps[2 * s] * n, *rj = re + (int)swaps[2 * s + 1] * n;
    double *ii = im + (int)swaps[2 * s] * n, *ij = im + (int)swaps[2 * s + 1] * n;
    for (int x = 0; x < n; x += 2) {
      v128_t a = wasm_v128_load(ri + x), b = wasm_v128_load(rj + x);
      wasm_v128_store(ri + x, b);
      wasm_v128_store(rj + x, a);
      a = wasm_v128_load(ii + x);
      b = wasm_v128_load(ij + x);
      wasm_v128_store(ii + x, b);
      wasm_v128_store(ij + x, a);
    }
  }
  /* first two stages as radix-4 butterflies with trivial twiddles */
  for (int a = 0; a < n * n; a += 4 * n) {
    for (int e0 = a; e0 < a + n; e0 += 2) {
      const int e1 = e0 + n, e2 = e1 + n, e3 = e2 + n;
      const v128_t r0 = wasm_v128_load(re + e0), i0 = wasm_v128_load(im + e0);
      const v128_t r1 = wasm_v128_load(re + e1), i1 = wasm_v128_load(im + e1);
      const v128_t r2 = wasm_v128_load(re + e2), i2 = wasm_v128_load(im + e2);
      const v128_t r3 = wasm_v128_load(re + e3), i3 = wasm_v128_load(im + e3);
      const v128_t ar = wasm_f64x2_add(r0, r1), ai = wasm_f64x2_add(i0, i1);
      const v128_t br = wasm_f64x2_sub(r0, r1), bi = wasm_f64x2_sub(i0, i1);
      const v128_t cr = wasm_f64x2_add(r2, r3), ci = wasm_f64x2_add(i2, i3);
      const v128_t dr = wasm_f64x2_sub(r2, r3), di = wasm_f64x2_sub(i2, i3);
      const v128_t er = wasm_f64x2_mul(vs, di), ei = wasm_f64x2_mul(vns, dr);
      sum_diff(re, im, e0, e2, ar, ai, cr, ci);
      sum_diff(re, im, e1, e3, br, bi, er, ei);
    }
  }
  /* radix-2^2 stages */
  const double *w = tw;
  for (int h = 4; h * 4 <= n; h *= 4) {
    const double *W1r = w, *W1i = w + h, *W2r = w + 2 * h, *W2i = w + 3 * h;
    w += 4 * h;
    const int hn = h * n;
    for (int start = 0; start < n; start += 4 * h) {
      for (int k = 0; k < h; k++) {
        const v128_t w1r = wasm_f64x2_splat(W1r[k]), w1i = wasm_f64x2_splat(W1i[k]);
        const v128_t w2r = wasm_f64x2_splat(W2r[k]), w2i = wasm_f64x2_splat(W2i[k]);
        const int base = (start + k) * n;
        for (int i0 = base; i0 < base + n; i0 += 2) {
          const int i1 = i0 + hn, i2 = i1 + hn, i3 = i2 + hn;
          const v128_t x0r = wasm_v128_load(re + i0), x0i = wasm_v128_load(im + i0);
          const v128_t x1r = wasm_v128_load(re + i1), x1i = wasm_v128_load(im + i1);
          const v128_t x2r = wasm_v128_load(re + i2), x2i = wasm_v128_load(im + i2);
          const v128_t x3r = wasm_v128_load(re + i3), x3i = wasm_v128_load(im + i3);
          const v128_t t1r = wasm_f64x2_sub(wasm_f64x2_mul(x1r, w1r), wasm_f64x2_mul(x1i, w1i));
          const v128_t t1i = wasm_f64x2_add(wasm_f64x2_mul(x1r, w1i), wasm_f64x2_mul(x1i, w1r));
          const v128_t t3r = wasm_f64x2_sub(wasm_f64x2_mul(x3r, w1r), wasm_f64x2_mul(x3i, w1i));
          const v128_t t3i = wasm_f64x2_add(wasm_f64x2_mul(x3r, w1i), wasm_f64x2_mul(x3i, w1r));
          const v128_t y0r = wasm_f64x2_add(x0r, t1r), y0i = wasm_f64x2_add(x0i, t1i);
          const v128_t y1r = wasm_f64x2_sub(x0r, t1r), y1i = wasm_f64x2_sub(x0i, t1i);
          const v128_t y2r = wasm_f64x2_add(x2r, t3r), y2i = wasm_f64x2_add(x2i, t3i);
          const v128_t y3r = wasm_f64x2_sub(x2r, t3r), y3i = wasm_f64x2_sub(x2i, t3i);
          const v128_t u2r = wasm_f64x2_sub(wasm_f64x2_mul(y2r, w2r), wasm_f64x2_mul(y2i, w2i));
          const v128_t u2i = wasm_f64x2_add(wasm_f64x2_mul(y2r, w2i), wasm_f64x2_mul(y2i, w2r));
          const v128_t v3r = wasm_f64x2_sub(wasm_f64x2_mul(y3r, w2r), wasm_f64x2_mul(y3i, w2i));
          const v128_t v3i = wasm_f64x2_add(wasm_f64x2_mul(y3r, w2i), wasm_f64x2_mul(y3i, w2r));
          const v128_t u3r = wasm_f64x2_mul(vs, v3i), u3i = wasm_f64x2_mul(vns, v3r);
          sum_diff(re, im, i0, i2, y0r, y0i, u2r, u2i);
          sum_diff(re, im, i1, i3, y1r, y1i, u3r, u3i);
        }
      }
    }
  }
  /* a last radix-2 stage when log2 n is odd */
  const int halfN = lastH * n;
  for (int k = 0; k < lastH; k++) {
    const v128_t wr = wasm_f64x2_splat(lastW[k]), wi = wasm_f64x2_splat(lastW[lastH + k]);
    for (int a = k * n; a < k * n + n; a += 2) {
      const int b = a + halfN;
      const v128_t br = wasm_v128_load(re + b), bi = wasm_v128_load(im + b);
      const v128_t xr = wasm_f64x2_sub(wasm_f64x2_mul(br, wr), wasm_f64x2_mul(bi, wi));
      const v128_t xi = wasm_f64x2_add(wasm_f64x2_mul(br, wi), wasm_f64x2_mul(bi, wr));
      const v128_t ar = wasm_v128_load(re + a), ai = wasm_v128_load(im + a);
      sum_diff(re, im, a, b, ar, ai, xr, xi);
    }
  }
}

static void transpose(double *a, int n) {
  for (int y = 1; y < n; y++) {
    double *row = a + y * n;
    for (int x = 0; x < y; x++) {
      const double t = row[x];
      row[x] = a[x * n + y];
      a[x * n + y] = t;
    }
  }
}

/* fft2dTransposed: column passes, a transpose of both parts, column passes. */
__attribute__((export_name("fft2dTransposed")))
void fft2d_transposed(double *re, double *im, int n, double sgn, const uint32_t *swaps, int nPairs,
                      const double *tw, int lastH, const double *lastW) {
  fft_cols(re, im, n, sgn, swaps, nPairs, tw, lastH, lastW);
  transpose(re, n);
  transpose(im, n);
  fft_cols(re, im, n, sgn, swaps, nPairs, tw, lastH, lastW);
}
