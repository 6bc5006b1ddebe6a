// Implemented by the foundation work (issue 2); placeholder so the index resolves.
export {};
