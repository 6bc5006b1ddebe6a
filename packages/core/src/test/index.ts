// The reward contract suite (`@t2i-reward/core/test`): implemented by the foundation work (issue 2).
export {};
