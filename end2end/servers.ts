import os from "node:os";
import path from "node:path";

/** The release build the suite runs against. */
export const binary = path.resolve(__dirname, "../target/release/charter");

const firstPort = Number(process.env.CHARTER_E2E_PORT ?? 3300);

/** A Charter server of the suite: the release build on a fresh SQLite database with demo content. */
export interface Server {
  url: string;
  env: Record<string, string>;
  /** Where the suite checks the server is up, when its public URL is not on loopback. */
  ready?: string;
}

function server(offset: number): Server {
  const port = firstPort + offset;
  const url = `http://127.0.0.1:${port}`;
  const dataDir = path.join(os.tmpdir(), `charter-e2e-${port}`);
  return {
    url,
    env: {
      CHARTER_ADDR: `127.0.0.1:${port}`,
      CHARTER_BASE_URL: url,
      DATABASE_URL: `sqlite:${dataDir}/charter.db`,
      // No SMTP server: notices and confirmations are written here as .eml files.
      CHARTER_OUTBOX_DIR: `${dataDir}/outbox`,
      CHARTER_DEMO: "1",
      CHARTER_ORGANISATION: "Quillstone AI Ltd",
      CHARTER_LOG: "warn",
      // Every spec posts from loopback, one network: the suite is not the abuse being bounded.
      CHARTER_PUBLIC_WRITES_PER_MINUTE: "1000000",
      LEPTOS_SITE_ROOT: path.resolve(__dirname, "../target/site"),
      LEPTOS_OUTPUT_NAME: "charter",
      DATA_DIR: dataDir,
    },
  };
}

/** The server most specs share. */
export const shared = server(0);

/**
 * One server per project for specs that change what every visitor sees (the cookie inventory in
 * force), so they cannot disturb the specs running at the same time on the shared server.
 */
export const isolated: Record<string, Server> = {
  hydrated: server(1),
  "no-javascript": server(2),
};

/**
 * Charter as a company runs it beside its own sites: at legal.charter.test, with the demo
 * company site at www.charter.test on another port (another origin of the same domain).
 * Chromium resolves every *.charter.test name, and evil.test, to loopback (see the config).
 */
export const embed = (() => {
  const s = server(3);
  const port = firstPort + 3;
  const sitePort = firstPort + 4;
  s.url = `http://legal.charter.test:${port}`;
  s.ready = `http://127.0.0.1:${port}/readyz`;
  s.env.CHARTER_BASE_URL = s.url;
  s.env.CHARTER_DEMO_SITE_ADDR = `127.0.0.1:${sitePort}`;
  s.env.CHARTER_DEMO_SITE_URL = `http://www.charter.test:${sitePort}`;
  return {
    ...s,
    /** The demo company site, registered with Charter. */
    site: `http://www.charter.test:${sitePort}`,
    /** The same page under a name no admin registered. */
    unregistered: `http://evil.test:${sitePort}`,
  };
})();

/** Playwright's `webServer` entry that starts `s` on an empty data directory. */
export function webServer(s: Server) {
  return {
    command: `rm -rf "$DATA_DIR" && mkdir -p "$DATA_DIR" && exec '${binary}'`,
    url: s.ready ?? `${s.url}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: s.env,
  };
}
