/**
 * Provisional on-demand list prices per GPU-hour (USD), used by the demo's spend rate until the
 * price book (issue 5) replaces them with per-cloud, per-region, per-pricing-kind entries.
 *
 * H100: AWS p5.48xlarge (8 × H100) after AWS's June 2025 GPU price cut of "up to 45 %" on P5
 *   (secondary sources, read 2026-11): ≈ $55.04/h ÷ 8. Not confirmed on AWS's own price page.
 * H200, A100, L4: likewise derived from AWS p5en.48xlarge, p4d.24xlarge and g6 list prices after
 *   the 2025 cuts, as reported by secondary sources (2026-11). Treat all four as estimates.
 */
export const PROVISIONAL_GPU_HOUR_USD: Record<string, number> = {
  H100: 6.88,
  H200: 7.91,
  A100: 2.75,
  L4: 0.8,
};
