import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium, which .ci/run installs when it is missing; CHROME_PATH points elsewhere. */
const CHROME_PATH = process.env.CHROME_PATH ?? '/usr/bin/chromium';

/** Headless Chromium as these machines can run it (no sandbox as root, no background traffic). */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROME_PATH)) {
    throw new Error(`No Chromium at ${CHROME_PATH}: install Debian's chromium or set CHROME_PATH`);
  }
  return chromium.launch({
    executablePath: CHROME_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
