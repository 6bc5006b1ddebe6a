/** Token ids truncated to `maxLength`, the last kept position forced to `lastId` (the end token the model pools at). */
export function truncateIds(ids: number[], maxLength: number, lastId: number): { ids: number[]; truncatedFrom: number | undefined } {
  if (ids.length <= maxLength) return { ids, truncatedFrom: undefined };
  const truncated = ids.slice(0, maxLength);
  truncated[maxLength - 1] = lastId;
  return { ids: truncated, truncatedFrom: ids.length };
}

/** Rows of token ids as int64 [rows, width] data right-padded with `padId`, and the matching attention mask. */
export function padRows(rows: readonly number[][], width: number, padId: number): { ids: BigInt64Array; mask: BigInt64Array } {
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    row.forEach((id, c) => {
      ids[r * width + c] = BigInt(id);
      mask[r * width + c] = 1n;
    });
  });
  return { ids, mask };
}
