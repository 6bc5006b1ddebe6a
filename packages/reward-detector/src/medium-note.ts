import type { ExplainContext } from '@t2i-reward/core';

const NOT_A_PHOTO = /\b(painting|paintings|painted|drawing|drawn|sketch|cartoon|illustration|watercolou?r|anime|comic|engraving|woodcut)\b/i;

/**
 * A detector that found nothing in a prompt about a painting or a drawing: its COCO photo model often finds no one
 * there (CenterNet finds no person in The Scream), so 0 means "not found", not "absent". Said in the "why" line
 * (`t2ir score`, the HTML report) instead of leaving a bare 0.
 */
export function mediumNote(details: Record<string, unknown> | undefined, context: ExplainContext = {}): string | undefined {
  const medium = context.prompt !== undefined ? NOT_A_PHOTO.exec(context.prompt)?.[1] : undefined;
  if (!medium || context.score === null || context.score === undefined || context.score >= 1) return undefined;
  const objects = Array.isArray(details?.objects) ? (details.objects as { found?: unknown }[]) : [];
  if (!objects.some((object) => object.found === 0 || object.found === false)) return undefined;
  return `a ${medium.toLowerCase()}: the detector learned from COCO photos and often finds no one in paintings or drawings, so this 0 says "not found", not "not there"`;
}
