// The 80 COCO classes in the order of their 0-based ids: one list, in core (its parser uses them as compounds).
export { COCO_CLASSES } from '@t2i-reward/core';
