/**
 * Bilinear resize of 8-bit RGB into float32 RGB (0..255), with TF.js `resizeBilinear` semantics
 * (alignCorners = false, halfPixelCenters = false): source coordinate = destination · (in / out), the last
 * row / column repeated at the edge. Doing it in one JS pass avoids converting the full-size image to an
 * int32 tensor and resizing it on the TF.js backend, which cost more than the rest of the pipeline together.
 */
export function resizeBilinearRgb(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number, out = new Float32Array(outWidth * outHeight * 3)): Float32Array {
  const scaleY = height / outHeight;
  const scaleX = width / outWidth;
  const x0s = new Int32Array(outWidth);
  const x1s = new Int32Array(outWidth);
  const fxs = new Float32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const sx = x * scaleX;
    const x0 = Math.floor(sx);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(x0 + 1, width - 1) * 3;
    fxs[x] = sx - x0;
  }
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const sy = y * scaleY;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const row0 = y0 * width * 3;
    const row1 = Math.min(y0 + 1, height - 1) * width * 3;
    for (let x = 0; x < outWidth; x++) {
      const a = row0 + (x0s[x] as number);
      const b = row0 + (x1s[x] as number);
      const c = row1 + (x0s[x] as number);
      const d = row1 + (x1s[x] as number);
      const fx = fxs[x] as number;
      for (let ch = 0; ch < 3; ch++) {
        const top = (src[a + ch] as number) + ((src[b + ch] as number) - (src[a + ch] as number)) * fx;
        const bottom = (src[c + ch] as number) + ((src[d + ch] as number) - (src[c + ch] as number)) * fx;
        out[o++] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}
