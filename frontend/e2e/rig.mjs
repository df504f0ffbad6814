// A scenario file's own stack, test camera and browser: started before its
// scenarios, stopped after them, with the stack's logs printed when one
// of them failed.
import { after, before, test } from 'node:test';

import { launchChromium } from './browser.mjs';
import { Stack, TestCamera } from './stack.mjs';

export function stackWithCamera() {
  const rig = {};
  let failed = false;
  before(async () => {
    [rig.stack, rig.camera] = await Promise.all([Stack.start(), TestCamera.start()]);
    rig.browser = await launchChromium();
  });
  after(async () => {
    await rig.browser?.close();
    await rig.camera?.stop();
    if (failed) rig.stack?.printLogs();
    await rig.stack?.stop();
  });
  /** `test`, noting a failure for the logs. */
  rig.scenario = (name, body) =>
    test(name, async () => {
      try {
        await body();
      } catch (error) {
        failed = true;
        throw error;
      }
    });
  return rig;
}
