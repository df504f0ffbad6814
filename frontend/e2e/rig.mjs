// A scenario file's own stack, test camera and browser: started before its
// scenarios, stopped after them, with the stack's logs printed when one
// of them failed.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium } from './browser.mjs';
import { Stack, TestCamera, repo } from './stack.mjs';

/** Where screenshots go: docs/ when asked (`CAMPLANE_SCREENSHOTS=1`), else beside the tests. */
export const SHOTS = process.env.CAMPLANE_SCREENSHOTS === '1' ? join(repo, 'docs') : resolve(import.meta.dirname, 'out');

/** Saves the whole page, scrolled or not, as `name` among the screenshots. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

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
