/**
 * Flat ΛCDM distances (H0 = 70 km/s/Mpc, Ωm = 0.3, ΩΛ = 0.7; Hogg 1999), tabulated once on a
 * fine redshift grid and interpolated.
 */

/** Hubble constant, km/s/Mpc. */
export const H0 = 70
/** Matter density parameter (flat: ΩΛ = 1 − Ωm). */
export const OMEGA_M = 0.3
const C_KMS = 299792.458
const DH = C_KMS / H0 // Hubble distance, Mpc
const Z_MAX = 6
const DZ = 0.001
let comoving: Float64Array | undefined

function table(): Float64Array {
  if (comoving) return comoving
  const n = Math.round(Z_MAX / DZ) + 1
  const t = new Float64Array(n)
  const invE = (z: number): number => 1 / Math.sqrt(OMEGA_M * (1 + z) ** 3 + (1 - OMEGA_M))
  for (let i = 1; i < n; i++) {
    const z0 = (i - 1) * DZ
    // Simpson on each step
    t[i] = (t[i - 1] as number) + (DZ / 6) * (invE(z0) + 4 * invE(z0 + DZ / 2) + invE(z0 + DZ))
  }
  for (let i = 0; i < n; i++) t[i] = (t[i] as number) * DH
  comoving = t
  return t
}

/** Line-of-sight comoving distance in Mpc; throws for z outside [0, 6]. */
export function comovingDistance(z: number): number {
  if (!(z >= 0 && z <= Z_MAX)) throw new Error(`cosmology: redshift ${z} outside [0, ${Z_MAX}]`)
  const t = table()
  const x = z / DZ
  const i = Math.min(Math.floor(x), t.length - 2)
  const f = x - i
  return (t[i] as number) * (1 - f) + (t[i + 1] as number) * f
}

/** Angular-diameter distance D_A = D_C / (1 + z), Mpc. */
export function angularDiameterDistance(z: number): number {
  return comovingDistance(z) / (1 + z)
}

/** Angular-diameter distance between z1 < z2 in a flat universe, Mpc. */
export function angularDiameterDistance12(z1: number, z2: number): number {
  return (comovingDistance(z2) - comovingDistance(z1)) / (1 + z2)
}

/** Luminosity distance D_L = (1 + z) D_C, Mpc. */
export function luminosityDistance(z: number): number {
  return comovingDistance(z) * (1 + z)
}

/** Distance modulus 5 log10(D_L / 10 pc). */
export function distanceModulus(z: number): number {
  return 5 * Math.log10(luminosityDistance(z) * 1e5)
}

/** Kiloparsecs per arcsecond at redshift z. */
export function kpcPerArcsec(z: number): number {
  return (angularDiameterDistance(z) * 1000 * Math.PI) / (180 * 3600)
}
