import type { Options } from 'tsup';

/** The build every workspace package shares (see tsup.package.mjs). */
export declare function packageBuild(pkg: { version: string }, entry: string[] | Record<string, string>): Options;
