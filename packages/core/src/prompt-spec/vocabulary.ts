/**
 * Closed-class word lists the parser uses on top of compromise's part-of-speech tags. They are general English
 * vocabularies (colour terms, geometric shapes and sizes, materials and textures) and the COCO label set, written
 * from those definitions: none is derived from the prompts the parser is measured on (see PARSER.md).
 */

/** Colour terms (basic and common secondary colour names). Several are nouns too ("orange", "gold"). */
export const COLOR_WORDS: ReadonlySet<string> = new Set([
  'red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'black', 'white', 'gray', 'grey',
  'silver', 'gold', 'golden', 'beige', 'violet', 'indigo', 'turquoise', 'teal', 'navy', 'maroon', 'cyan',
  'magenta', 'crimson', 'scarlet', 'ivory', 'tan', 'lavender', 'lilac', 'khaki', 'olive', 'cream', 'amber',
  'bronze', 'copper', 'burgundy', 'coral', 'peach', 'mint', 'lime', 'aqua', 'azure', 'charcoal', 'rust',
  'ruby', 'emerald', 'sapphire', 'blond', 'blonde', 'auburn', 'multicolored', 'multicoloured', 'colorful',
  'colourful', 'rainbow', 'fuchsia', 'mauve', 'ochre', 'sepia', 'jade', 'plum', 'salmon', 'chartreuse',
]);

/** Shape and size words (T2I-CompBench's "shape" category covers both). */
export const SHAPE_WORDS: ReadonlySet<string> = new Set([
  'round', 'square', 'circular', 'rectangular', 'triangular', 'oval', 'oblong', 'spherical', 'cubic', 'cubical',
  'cylindrical', 'conical', 'pyramidal', 'pentagonal', 'hexagonal', 'octagonal', 'elliptical', 'tubular',
  'spiral', 'diamond', 'crescent', 'teardrop', 'heart', 'star', 'curved', 'curvy', 'flat', 'straight',
  'pointed', 'pointy', 'angular', 'wavy', 'rounded', 'tall', 'short', 'big', 'small', 'large', 'tiny', 'huge',
  'long', 'thin', 'thick', 'wide', 'narrow', 'giant', 'little', 'massive', 'miniature', 'enormous', 'slim',
]);

/** Materials and surface textures. Several are nouns too ("glass", "leather", "rubber"). */
export const TEXTURE_WORDS: ReadonlySet<string> = new Set([
  'wooden', 'wood', 'metal', 'metallic', 'glass', 'plastic', 'leather', 'fabric', 'rubber', 'fluffy', 'furry',
  'smooth', 'rough', 'soft', 'hard', 'silky', 'silk', 'velvet', 'wool', 'woolen', 'woollen', 'cotton',
  'ceramic', 'porcelain', 'stone', 'marble', 'paper', 'cardboard', 'concrete', 'brick', 'steel', 'iron',
  'aluminum', 'aluminium', 'bamboo', 'wicker', 'denim', 'linen', 'lace', 'satin', 'suede', 'fur', 'feathery',
  'glossy', 'shiny', 'matte', 'knitted', 'woven', 'crystal', 'clay', 'granite', 'rocky', 'sandy', 'fuzzy',
  'bumpy', 'prickly', 'spiky', 'slimy', 'sticky', 'grainy', 'wrinkled', 'polished', 'rusty', 'tin', 'brass',
  'chrome', 'nylon', 'polyester', 'canvas', 'straw', 'wax', 'felt', 'fleece', 'tweed', 'corduroy', 'jelly',
]);

export type AttributeKind = 'color' | 'shape' | 'texture';

/** The attribute class of a word, or undefined. "heart-shaped" and "star-like" count as shapes. */
export function attributeKind(word: string): AttributeKind | undefined {
  if (COLOR_WORDS.has(word)) return 'color';
  if (SHAPE_WORDS.has(word) || /^[a-z]+-(?:shaped|like)$/.test(word)) return 'shape';
  if (TEXTURE_WORDS.has(word)) return 'texture';
  // "light blue", "dark-green", "reddish"
  if (/^(?:light|dark|pale|bright|deep)-?[a-z]+$/.test(word) && COLOR_WORDS.has(word.replace(/^(?:light|dark|pale|bright|deep)-?/, ''))) {
    return 'color';
  }
  return undefined;
}

/**
 * The 80 COCO detection classes (the label set of the detectors T2I-R1, GenEval and our CenterNet use), with the
 * GenEval spellings of three of them. The parser treats their multiword names as single nouns, which compromise
 * alone cannot do for "hot dog" (adjective + noun) or "potted plant" (participle + noun).
 */
export const COCO_CLASS_NAMES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis',
  'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket',
  'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
  'toothbrush', 'computer mouse', 'tv remote', 'computer keyboard',
];

/** Nouns that frame a prompt rather than name something in the image: "a photo of ...". */
export const DEPICTION_NOUNS: ReadonlySet<string> = new Set([
  'photo', 'photograph', 'picture', 'image', 'painting', 'drawing', 'illustration', 'sketch', 'render',
  'rendering', 'shot', 'snapshot', 'closeup', 'close-up', 'pic', 'artwork', 'depiction', 'portrait', 'view',
  'scene', 'photography', 'watercolor', 'watercolour',
]);
