export type { ImageSource, ImageSourceContext } from './types.js';
export { compbenchFolderSource, genevalFolderSource, itemImageSource } from './folders.js';
export { httpGeneratorSource, type HttpGeneratorOptions } from './http.js';
export { commandGeneratorSource, parseCommandTemplate, expandCommand, type CommandGeneratorOptions } from './command.js';
export { compbenchFileName, compbenchFileStem, generatedImagePath } from './layout.js';
