// Types only: see runtime-types.d.ts.
export {};
