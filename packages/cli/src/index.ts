export { createProgram, runCli } from './program.js';
export { VERSION } from './version.js';
