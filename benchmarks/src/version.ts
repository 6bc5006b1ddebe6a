declare const __PACKAGE_VERSION__: string | undefined;

/** Injected by tsup at build time; source runs (tests, tsx) read "0.0.0-source". */
export const VERSION: string = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-source';
