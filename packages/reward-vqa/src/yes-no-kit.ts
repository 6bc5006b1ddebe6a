/**
 * `@t2i-reward/vqa/yes-no`, kept for compatibility.
 * @deprecated The yes/no machinery is its own package now: import from `@t2i-reward/yes-no` (same exports).
 */
export * from '@t2i-reward/yes-no';
