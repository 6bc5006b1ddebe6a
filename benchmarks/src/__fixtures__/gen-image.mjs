// Test generator for --generator-cmd: copies the PNG given by --src to --out and writes the exact prompt it
// received next to it (so tests can check the argument arrived intact). No imports beyond node: fast to start.
import { copyFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const value = (name) => args[args.indexOf(name) + 1];
const prompt = value('--prompt');
const out = value('--out');
if (prompt === 'FAIL ME') {
  process.stderr.write('refusing this prompt\n');
  process.exit(3);
}
copyFileSync(value('--src'), out);
writeFileSync(`${out}.prompt.txt`, prompt);
