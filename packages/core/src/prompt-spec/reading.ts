/**
 * What the rule parser needs to read prompts as people write them, before and around compromise's tagging:
 * quoted spans (text to render, never objects), a check that the prompt is English at all, and the small word
 * lists that tell a depictable thing from an action, an abstraction or a quantity.
 */

/** Stands in the text for a quoted span while compromise tags the rest (dropped again when tokens are made). */
export const QUOTE_MARK = 'qqquotedspanqq';

export interface QuotedSpans {
  /** The prompt with each quoted span replaced by {@link QUOTE_MARK}. */
  text: string;
  /** The spans, as written, in order. */
  spans: string[];
}

/**
 * Finds the quoted spans of a prompt: "…", “…”, and '…' / ‘…’ where the quote opens after a space or the start
 * and closes before a space, punctuation or the end (so "it's" and "kids' book" are apostrophes, while
 * 'Don't Panic!' is one span). An unclosed double quote runs to the end of the prompt, as Flow-GRPO's OCR reward
 * reads it (`prompt.split('"')[1]`). Empty spans are dropped.
 */
export function extractQuoted(prompt: string): QuotedSpans {
  const spans: string[] = [];
  const pattern = /"([^"]*)("|$)|“([^”]*)(”|$)|(^|(?<=[\s([{:,]))['‘]((?:[^'‘’]|['’](?=\p{L}))*?)['’](?=[\s.,;:!?)\]}]|$)/gu;
  const text = prompt.replace(pattern, (match, d1?: string, _c1?: string, d2?: string, _c2?: string, _lead?: string, single?: string) => {
    const span = d1 ?? d2 ?? single ?? '';
    if (span.trim().length === 0) return ' ';
    spans.push(span);
    return ` ${QUOTE_MARK} `;
  });
  return { text, spans };
}

const ENGLISH_FUNCTION_WORDS = new Set(
  'a an the of in on at with and or to from by for is are was were be been it its this that these those there his her their my your our over under near next behind above below into onto while as who which what'.split(
    ' ',
  ),
);

/** Function words of the languages prompts most often come in besides English (none of them English words). */
const FOREIGN_FUNCTION_WORDS = new Set(
  [
    // French
    'le la les des du un une et sur avec dans est sont au aux ce cette ces qui que pour par une sous chez',
    // German
    'der die das den dem des ein eine einer einem einen und mit auf ist sind im ein zum zur von unter neben',
    // Spanish / Portuguese
    'el los las una unos unas y con en es son del al por para sobre bajo junto um uma com não são',
    // Italian / Dutch
    'il lo gli di della delle degli che con sul sulla nel nella è sono het een en op met zijn',
  ]
    .join(' ')
    .split(' '),
);

export interface LanguageVerdict {
  english: boolean;
  /** Why it was judged not English (one line, for the warning). */
  reason?: string;
}

/**
 * Whether a prompt is English, from what is cheap and sure: the script of its letters (mostly non-Latin letters:
 * not English) and its function words (two or more French / German / Spanish / Portuguese / Italian / Dutch
 * function words, outnumbering the English ones: not English). Short or mixed prompts count as English.
 */
export function detectLanguage(text: string): LanguageVerdict {
  const letters = text.match(/\p{L}/gu) ?? [];
  if (letters.length === 0) return { english: true };
  const latin = text.match(/\p{Script=Latin}/gu) ?? [];
  if (letters.length - latin.length > Math.max(2, 0.3 * letters.length)) {
    return { english: false, reason: 'most of its letters are not Latin script' };
  }
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  let english = 0;
  let foreign = 0;
  for (const word of words) {
    if (ENGLISH_FUNCTION_WORDS.has(word)) english++;
    else if (FOREIGN_FUNCTION_WORDS.has(word)) foreign++;
  }
  if (foreign >= 2 && foreign > english) return { english: false, reason: `it has ${foreign} function words of another language and ${english} English ones` };
  return { english: true };
}

/**
 * Nouns that name no thing a picture shows on its own (events, activities, qualities, times, directions): the
 * parser reads them (so they still end a phrase and anchor a clause) and leaves them out of the objects.
 */
export const ABSTRACT_NOUNS: ReadonlySet<string> = new Set(
  [
    // events and activities
    'experiment picnic massage trick project plan trip walk talk speech conversation meeting game match performance routine',
    'archery fishing juggling hiking skiing swimming dancing cooking gardening reading shopping soccer tennis golf chess fetch',
    'lesson class ceremony celebration occasion event party practice exercise workout adventure journey break nap rest',
    'science neuroscience calculus math mathematics history music melody lyric song noise sound silence applause',
    // qualities, states and feelings
    'beauty meaning tension fear fears idea skill moment way view fashion relief health disagreement agreement happiness joy',
    'love peace fun care attention help life lives memory memories dream thought mind soul spirit wonder awe nostalgia',
    'childhood elegance comfort warmth touch ambiance texture contrast vision expression innovation ingenuity ambition',
    'testament marvel engineering geometry imagination possibility possibilities entertainment triumph temptation stealth',
    'refuge wake excitement curiosity concentration determination pride gratitude kindness patience confidence energy',
    'world story stories tale tales scent aroma fragrance artistry ride style form nature design flavor flavour taste smell study crack bend line lines home run word kind',
    // places in a picture rather than things in it, and pronoun-like nouns
    'background foreground distance air nobody someone somebody anyone anybody everyone everybody everything something nothing number',
    // times and weather that set a scene rather than fill it
    'day night morning evening afternoon time middle daytime nighttime midnight noon dusk dawn weekend season sunshine breeze wind',
    // traffic: the cars a reader pictures are not named
    'traffic',
  ]
    .join(' ')
    .split(' '),
);

/**
 * More general-English abstractions (feelings, qualities, events, times), not drawn from any prompt: a reader
 * pictures none of them as a thing of its own.
 */
const GENERAL_ABSTRACT_NOUNS: ReadonlySet<string> = new Set(
  [
    // feelings and states of mind
    'freedom wisdom boredom courage bravery solitude calm chaos danger safety risk luck fortune fate destiny hope faith trust',
    'belief glory honor honour respect dignity grace charm mystery magic delight pleasure satisfaction surprise shock anger',
    'rage fury sorrow grief despair misery anxiety stress worry panic terror horror dread shame guilt envy jealousy greed',
    'passion desire longing affection romance loyalty devotion harmony unity bliss euphoria ecstasy serenity tranquility',
    'tranquillity relaxation leisure enjoyment amusement laughter humor humour irony emotion emotions feeling feelings',
    'sensation impression mood atmosphere vibe essence concept theme purpose reason cause effect impact influence change',
    'progress growth success failure victory defeat achievement accomplishment challenge problem solution question answer',
    'knowledge intelligence logic inspiration admiration appreciation anticipation fascination frustration exhaustion',
    'dedication tradition heritage culture legacy reality fantasy illusion nightmare myth legend narrative smile grin frown',
    'gesture pose posture stance motion movement speed pace rhythm strength power force weakness weight size height depth',
    'width length quality precision simplicity complexity symmetry perspective composition focus emphasis luxury wealth',
    'poverty abundance contentment stillness privacy isolation perfection protection imagery symbolism',
    'friendship relationship partnership leadership ownership craftsmanship workmanship sportsmanship showmanship',
    'companionship hardship kinship',
    // events and activities
    'activity action competition contest tournament festival concert holiday vacation tour visit errand chore task job',
    'hobby sport sports yoga meditation prayer worship education training attempt effort search quest mission escape',
    'rescue struggle chase pursuit play joke laugh voice cry shout scream whisper echo chorus tune symphony protest',
    'marathon race bite move moves show look finish best blast duet ballet birthday language behavior behaviour research',
    // times and weather that set a scene
    'twilight winter summer autumn year years hour hours minute minutes century decade era future today tonight yesterday',
    'tomorrow weather climate heat gust',
  ]
    .join(' ')
    .split(' '),
);

/** Words with an abstract suffix that name things all the same. */
const CONCRETE_DESPITE_SUFFIX: ReadonlySet<string> = new Set(
  'harness wilderness witness city university facility community celebrity deity cavity vanity nativity majority minority authority entity quantity variety personality prism organism mechanism hood neighborhood neighbourhood'.split(
    ' ',
  ),
);

/**
 * True when `word` is an abstraction no modifier makes a thing to draw (the general list and the suffix rule: "a
 * soft comfort", "a glossy finish"); {@link ABSTRACT_NOUNS} with a colour or shape word may be drawn ("a crescent
 * design").
 */
export function isAlwaysAbstract(word: string): boolean {
  return !ABSTRACT_NOUNS.has(word) && isAbstractNoun(word);
}

/**
 * True when `word` names an abstraction: one of {@link ABSTRACT_NOUNS} or the general list, or a noun made with
 * an abstract suffix (-ness, -ism, -ity, -hood: "sadness", "realism", "serenity", "childhood") that is not a
 * thing all the same ("harness", "city", "prism", "neighborhood").
 */
export function isAbstractNoun(word: string): boolean {
  if (ABSTRACT_NOUNS.has(word) || GENERAL_ABSTRACT_NOUNS.has(word)) return true;
  if (CONCRETE_DESPITE_SUFFIX.has(word)) return false;
  return /^[a-z]{3,}(?:ness|ism|ity|ities|hood)$/.test(word);
}

/**
 * Parts and positions ("at the top", "in the middle of the night"): no object when they stand bare after "the"
 * (or no determiner); with a modifier or an owner they are parts to draw ("its triangular top").
 */
export const POSITION_NOUNS: ReadonlySet<string> = new Set([
  'top',
  'next',
  'bottom',
  'middle',
  'center',
  'centre',
  'edge',
  'side',
  'front',
  'inside',
  'outside',
  'corner',
  'end',
  'left',
  'right',
]);

/** Nouns that introduce quoted text ("the words 'KEEP OFF'", "the saying …"): the text, not an object. */
export const TEXT_NOUNS: ReadonlySet<string> = new Set([
  'word',
  'words',
  'text',
  'letter',
  'letters',
  'saying',
  'phrase',
  'caption',
  'slogan',
  'message',
  'quote',
  'title',
  'name',
  'number',
]);

/**
 * Heads of a partitive that names a quantity, a group or a manner of the thing after "of" ("a group of friends",
 * "a coat of paint", "a splash of colour"): the thing after "of" is the object.
 */
export const PARTITIVE_HEADS: ReadonlySet<string> = new Set(
  'group bunch bundle cluster clump heap batch pinch dash scrap scraps sheet pair herd flock crowd pile stack couple lot lots number variety handful dozen collection set row pack swarm school coat splash splashes splotch trail touch sense kind type sort piece bit layer curve curves sea array assortment series shade edge top bottom side center centre middle inside outside front rest end'.split(
    ' ',
  ),
);

/** Words in -ing that are nouns after a noun unless a noun phrase follows them as an object ("an oil painting"). */
export const ING_NOUNS: ReadonlySet<string> = new Set(
  'building painting drawing ceiling ring wedding clothing earring pudding dumpling icing frosting railing awning sibling evening morning king wing string swing spring thing sling bedding lightning stuffing carving carvings lettering landing filling topping seasoning dressing sapling seedling duckling offspring wiring siding'.split(
    ' ',
  ),
);

/**
 * Words in -ing that describe what the noun itself does or looks like ("blooming flowers", "the setting sun",
 * "towering cliffs"): modifiers, never the first word of a compound as purpose gerunds are ("dining table").
 */
export const PARTICIPIAL_MODIFIERS: ReadonlySet<string> = new Set(
  [
    'blooming towering smiling glowing sparkling shining gleaming glittering shimmering twinkling flickering blazing burning',
    'smoldering melting dripping flowing rushing cascading babbling bubbling boiling steaming sizzling crackling howling',
    'roaring buzzing chirping singing laughing crying screaming grinning galloping prancing leaping soaring hovering floating',
    'drifting swirling billowing swaying waving fluttering looming sprawling bustling crumbling wilting fading rising setting',
    'falling growing ripening grazing wandering roaming lurking charging stunning amazing charming dazzling winding',
  ]
    .join(' ')
    .split(' '),
);

/** Plural-only nouns: their name keeps the plural ("glasses", not "glass"; "two glasses of wine" is a glass). */
export const PLURALIA_TANTUM: ReadonlySet<string> = new Set(
  'glasses sunglasses eyeglasses goggles pants trousers jeans shorts leggings tights pajamas pyjamas scissors headphones earphones earbuds binoculars tongs pliers tweezers overalls'.split(
    ' ',
  ),
);

/** Words compromise reads as nouns that are adverbs or prepositions in prompts ("sped past the barn", "back and forth"). */
export const NOT_NOUNS: ReadonlySet<string> = new Set([
  'past',
  'astride',
  'aboard',
  'atop',
  'forth',
  'away',
  'together',
  'apart',
  'ahead',
  'nearby',
  'upward',
  'upwards',
  'downward',
  'downwards',
  'overhead',
]);

/** Prepositions compromise sometimes tags as nouns ("their hands in their pockets"). */
export const PREPOSITIONS: ReadonlySet<string> = new Set([
  'in',
  'on',
  'at',
  'of',
  'with',
  'by',
  'into',
  'onto',
  'from',
  'to',
  'for',
  'inside',
  'without',
  'through',
]);

/** Modifiers compromise reads as nouns before a noun ("an ornate chest", "vintage clothing", "its hind legs"). */
export const MODIFIER_WORDS: ReadonlySet<string> = new Set([
  'ornate',
  'vintage',
  'rear',
  'hind',
  'retro',
  'steampunk',
  'antique',
  'intricate',
  'delicate',
  'elaborate',
  'ancient',
  'modern',
  'futuristic',
  'human',
]);

/**
 * Multiword nouns a reader takes as one thing whose first word alone would be read as a modifier ("cotton" is a
 * material, "hot" an adjective): read as one noun, like the COCO class names.
 */
export const MULTIWORD_NOUNS: readonly string[] = [
  'cotton candy',
  'hot air balloon',
  'police officer',
  'police car',
  'street lamp',
  'paint can',
  'rolling pin',
  'washing machine',
  'wedding dress',
  'work of art',
  'ice cream',
  'fire engine',
  'fire truck',
];

/** What a possessor qualifies rather than owns ("a chef's hat" is a kind of hat): the possessor is no object then. */
export const KIND_POSSESSED: ReadonlySet<string> = new Set([
  'hat',
  'cap',
  'helmet',
  'uniform',
  'apron',
  'coat',
  'jacket',
  'office',
  'outfit',
  'costume',
  'suit',
  'book',
  'cover',
  'version',
  'style',
]);
