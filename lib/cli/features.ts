import { guard, writeOut, type Cmd } from './common';

export const command: Cmd<object> = {
  command: 'features',
  describe: 'show the enabled features',
  handler: () =>
    guard(() => {
      const { featuresText } = require('../spec/features') as typeof import('../spec/features');
      // seccomp as libseccomp and this kernel support it (the addon asks them)
      const { seccompFeatures } = require('../runtime/seccomp') as typeof import('../runtime/seccomp');
      const { seccomp, annotations } = seccompFeatures();
      writeOut(featuresText({ seccomp, annotations }));
    }),
};
