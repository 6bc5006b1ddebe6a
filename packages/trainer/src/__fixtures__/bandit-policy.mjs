// A user's policy module as `t2ir train --config` loads it: plain JS, no imports (TF.js comes in the context).
// One token out of four per sample; the exported reward pays 1 for token 2. Documents the module contract.
export function createPolicy({ tf, seed }) {
  const make = (init) => {
    const logits = tf.variable(init ?? tf.randomNormal([4], 0, 0.01, 'float32', seed), true);
    return {
      sample(prompt, count, rng) {
        const logp = tf.tidy(() => tf.logSoftmax(logits).arraySync());
        return Array.from({ length: count }, () => {
          const token = rng.categorical(logp.map(Math.exp));
          return { tokens: [token], logProbs: [logp[token]] };
        });
      },
      logProbs(prompts, sequences) {
        return tf.tidy(() => {
          const chosen = tf.oneHot(
            tf.tensor1d(
              sequences.map((s) => s.tokens[0]),
              'int32',
            ),
            4,
          );
          return tf.sum(tf.mul(tf.logSoftmax(logits).expandDims(0), chosen), 1, true);
        });
      },
      trainableVariables: () => [logits],
      clone: () => make(logits.clone()),
      decode: (prompt, sequence) => ({ image: null, prompt: prompt.prompt, metadata: { token: sequence.tokens[0] } }),
      dispose: () => logits.dispose(),
    };
  };
  return make();
}

export const reward = {
  async score(inputs) {
    return inputs.map((input) => {
      const value = input.metadata.token === 2 ? 1 : 0;
      return { reward: value, experts: { token: value } };
    });
  },
};
