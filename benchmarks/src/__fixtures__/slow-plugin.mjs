// A custom expert kind for the kill/resume test, loaded through the bench config's "plugins": brightness
// scores with a fixed delay per batch, so a child process can be killed while it is half done.
import { createMockReward, meanBrightness } from '@t2i-reward/core/test';

export const expertPlugin = {
  kind: 'slow-brightness',
  backends: ['none'],
  create: (config) => createMockReward({ kind: 'slow-brightness', score: (s) => meanBrightness(s.image), delayMs: config.options?.delayMs ?? 150 }),
};
