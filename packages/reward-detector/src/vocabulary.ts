import { COCO_CLASSES } from './coco.js';

/**
 * Maps prompt nouns to the class names of a closed-vocabulary detector: exact name, then synonym, then the
 * singular form, then the head noun of a compound ("polar bear" → "bear", "sports car" → "car").
 * The synonym table is general English usage for the COCO classes (hypernym-to-class for people and common
 * animals/vehicles), not tuned to any benchmark's prompts.
 */
export const COCO_SYNONYMS: Readonly<Record<string, string>> = {
  // people
  man: 'person',
  woman: 'person',
  boy: 'person',
  girl: 'person',
  child: 'person',
  kid: 'person',
  baby: 'person',
  toddler: 'person',
  teenager: 'person',
  adult: 'person',
  people: 'person',
  human: 'person',
  lady: 'person',
  gentleman: 'person',
  guy: 'person',
  pedestrian: 'person',
  player: 'person',
  rider: 'person',
  skier: 'person',
  surfer: 'person',
  skateboarder: 'person',
  snowboarder: 'person',
  athlete: 'person',
  worker: 'person',
  chef: 'person',
  doctor: 'person',
  student: 'person',
  teacher: 'person',
  police: 'person',
  policeman: 'person',
  soldier: 'person',
  farmer: 'person',
  dancer: 'person',
  musician: 'person',
  tourist: 'person',
  family: 'person',
  // people words of everyday prompts (issue 20): the prompt keeps the word, the detector looks for a person
  officer: 'person',
  firefighter: 'person',
  fireman: 'person',
  fisherman: 'person',
  woodcarver: 'person',
  gardener: 'person',
  mechanic: 'person',
  painter: 'person',
  artist: 'person',
  scientist: 'person',
  astronaut: 'person',
  knight: 'person',
  nurse: 'person',
  pilot: 'person',
  driver: 'person',
  waiter: 'person',
  waitress: 'person',
  cook: 'person',
  baker: 'person',
  parent: 'person',
  father: 'person',
  mother: 'person',
  son: 'person',
  daughter: 'person',
  brother: 'person',
  sister: 'person',
  grandmother: 'person',
  grandfather: 'person',
  grandparent: 'person',
  friend: 'person',
  couple: 'person',
  bride: 'person',
  groom: 'person',
  writer: 'person',
  volunteer: 'person',
  zookeeper: 'person',
  magician: 'person',
  singer: 'person',
  actor: 'person',
  actress: 'person',
  boss: 'person',
  colleague: 'person',
  owner: 'person',
  therapist: 'person',
  pianist: 'person',
  storyteller: 'person',
  hiker: 'person',
  runner: 'person',
  swimmer: 'person',
  climber: 'person',
  cyclist: 'person',
  biker: 'person',
  fan: 'person',
  spectator: 'person',
  audience: 'person',
  crowd: 'person',
  customer: 'person',
  shopper: 'person',
  vendor: 'person',
  cowboy: 'person',
  // vehicles
  bike: 'bicycle',
  cycle: 'bicycle',
  automobile: 'car',
  taxi: 'car',
  cab: 'car',
  motorbike: 'motorcycle',
  'motor bike': 'motorcycle',
  scooter: 'motorcycle',
  aeroplane: 'airplane',
  plane: 'airplane',
  jet: 'airplane',
  airliner: 'airplane',
  aircraft: 'airplane',
  jetliner: 'airplane',
  lorry: 'truck',
  pickup: 'truck',
  'pickup truck': 'truck',
  locomotive: 'train',
  tram: 'train',
  ship: 'boat',
  sailboat: 'boat',
  yacht: 'boat',
  canoe: 'boat',
  kayak: 'boat',
  ferry: 'boat',
  // street
  'traffic signal': 'traffic light',
  stoplight: 'traffic light',
  hydrant: 'fire hydrant',
  'parking-meter': 'parking meter',
  // animals
  puppy: 'dog',
  pup: 'dog',
  hound: 'dog',
  doggy: 'dog',
  kitten: 'cat',
  kitty: 'cat',
  pony: 'horse',
  foal: 'horse',
  stallion: 'horse',
  mare: 'horse',
  lamb: 'sheep',
  ram: 'sheep',
  cattle: 'cow',
  calf: 'cow',
  bull: 'cow',
  ox: 'cow',
  eagle: 'bird',
  parrot: 'bird',
  pigeon: 'bird',
  dove: 'bird',
  sparrow: 'bird',
  owl: 'bird',
  seagull: 'bird',
  gull: 'bird',
  duck: 'bird',
  goose: 'bird',
  swan: 'bird',
  crow: 'bird',
  penguin: 'bird',
  hawk: 'bird',
  robin: 'bird',
  flamingo: 'bird',
  'polar bear': 'bear',
  grizzly: 'bear',
  // accessories & sports
  rucksack: 'backpack',
  knapsack: 'backpack',
  parasol: 'umbrella',
  purse: 'handbag',
  necktie: 'tie',
  luggage: 'suitcase',
  ski: 'skis',
  ball: 'sports ball',
  football: 'sports ball',
  'soccer ball': 'sports ball',
  basketball: 'sports ball',
  volleyball: 'sports ball',
  'tennis ball': 'sports ball',
  baseball: 'sports ball',
  mitt: 'baseball glove',
  'baseball mitt': 'baseball glove',
  racket: 'tennis racket',
  racquet: 'tennis racket',
  'tennis racquet': 'tennis racket',
  'surf board': 'surfboard',
  'skate board': 'skateboard',
  // kitchen & food
  wineglass: 'wine glass',
  mug: 'cup',
  teacup: 'cup',
  'coffee cup': 'cup',
  doughnut: 'donut',
  hotdog: 'hot dog',
  broccolo: 'broccoli',
  // furniture & home
  sofa: 'couch',
  settee: 'couch',
  plant: 'potted plant',
  houseplant: 'potted plant',
  'pot plant': 'potted plant',
  'flower pot': 'potted plant',
  table: 'dining table',
  'dinner table': 'dining table',
  'kitchen table': 'dining table',
  diningtable: 'dining table',
  television: 'tv',
  'tv set': 'tv',
  'tv monitor': 'tv',
  tvmonitor: 'tv',
  monitor: 'tv',
  'laptop computer': 'laptop',
  'computer mouse': 'mouse',
  'remote control': 'remote',
  'tv remote': 'remote',
  'computer keyboard': 'keyboard',
  phone: 'cell phone',
  cellphone: 'cell phone',
  'mobile phone': 'cell phone',
  smartphone: 'cell phone',
  fridge: 'refrigerator',
  'microwave oven': 'microwave',
  stove: 'oven',
  teddy: 'teddy bear',
  'teddy-bear': 'teddy bear',
  'hair dryer': 'hair drier',
  hairdryer: 'hair drier',
  'blow dryer': 'hair drier',
  'tooth brush': 'toothbrush',
  'pair of scissors': 'scissors',
};

const IRREGULAR_SINGULARS: Readonly<Record<string, string>> = {
  people: 'person',
  persons: 'person',
  men: 'man',
  women: 'woman',
  children: 'child',
  mice: 'mouse',
  geese: 'goose',
  feet: 'foot',
  teeth: 'tooth',
  oxen: 'ox',
  knives: 'knife',
  calves: 'calf',
  wolves: 'wolf',
  loaves: 'loaf',
  leaves: 'leaf',
  shelves: 'shelf',
  toothbrushes: 'toothbrush',
  buses: 'bus',
  cacti: 'cactus',
  policemen: 'policeman',
  gentlemen: 'gentleman',
};

/** Candidate singular forms of a lower-case word, most likely first (the word itself included). */
export function singularCandidates(word: string): string[] {
  const candidates = [word];
  const irregular = IRREGULAR_SINGULARS[word];
  if (irregular) candidates.push(irregular);
  if (word.endsWith('ies') && word.length > 4) candidates.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('ves')) candidates.push(`${word.slice(0, -3)}f`, `${word.slice(0, -3)}fe`);
  if (word.endsWith('es')) candidates.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) candidates.push(word.slice(0, -1));
  return [...new Set(candidates)];
}

export interface ClassVocabulary {
  /** The detector's class names. */
  readonly classes: readonly string[];
  /** The class a prompt noun (phrase) denotes, or undefined when the detector cannot name it. */
  resolve(noun: string): string | undefined;
}

/**
 * A vocabulary over `classes` with `synonyms` (noun → class). Lookup order per noun phrase: the phrase, its
 * singular forms (last word singularised), then the same for its head noun (last word) when the phrase has
 * several words.
 */
export function createVocabulary(classes: readonly string[], synonyms: Readonly<Record<string, string>> = {}): ClassVocabulary {
  const classSet = new Set(classes);
  const lookup = new Map<string, string>();
  for (const [noun, target] of Object.entries(synonyms)) {
    if (classSet.has(target)) lookup.set(noun, target);
  }
  for (const name of classes) lookup.set(name, name);

  const lookupPhrase = (phrase: string): string | undefined => {
    const words = phrase.split(' ');
    const last = words[words.length - 1] ?? '';
    for (const singular of singularCandidates(last)) {
      const hit = lookup.get([...words.slice(0, -1), singular].join(' '));
      if (hit) return hit;
    }
    return undefined;
  };

  return {
    classes,
    resolve(noun) {
      const phrase = noun
        .toLowerCase()
        .replace(/[^a-z0-9' -]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^(a|an|the) /, '');
      if (!phrase) return undefined;
      const direct = lookupPhrase(phrase);
      if (direct) return direct;
      const words = phrase.split(' ');
      // Head noun of a compound: drop leading modifiers one at a time ("red sports car" → "sports car" → "car").
      for (let start = 1; start < words.length; start++) {
        const hit = lookupPhrase(words.slice(start).join(' '));
        if (hit) return hit;
      }
      return undefined;
    },
  };
}

/** The COCO-80 vocabulary with the general synonym table (plus caller synonyms, which win). */
export function cocoVocabulary(extraSynonyms: Readonly<Record<string, string>> = {}): ClassVocabulary {
  return createVocabulary(COCO_CLASSES, { ...COCO_SYNONYMS, ...extraSynonyms });
}
