import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { skipOutsideCi } from './ci.ts';

/** Debian's Chromium (playwright-core drives it; no browser download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here (skip outside CI, throw in CI), or false when they can. */
export function browserMissing(): string | false {
  return existsSync(CHROMIUM)
    ? false
    : skipOutsideCi(`no Chromium at ${CHROMIUM} (Debian's chromium package, or set CHROMIUM_PATH)`);
}

/** Headless Chromium that makes no connection of its own (this machine's network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
