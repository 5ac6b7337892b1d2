import { expect, type Page, type TestInfo } from "@playwright/test";
import { spawn } from "node:child_process";
import { binary, type Server } from "../servers";

/** The password of every account the specs create. */
export const password = "a long and unusual passphrase";

export const hydrated = (testInfo: TestInfo) => testInfo.project.name === "hydrated";

/** Opens `path` and, in the hydrated project, waits until the wasm has taken over the page. */
export async function open(page: Page, path: string, testInfo: TestInfo) {
  const response = await page.goto(path);
  if (hydrated(testInfo)) {
    // The first page of a worker compiles the wasm while the other worker and the servers keep
    // both cores busy: allow it longer than a usual assertion.
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "", { timeout: 15_000 });
  }
  return response;
}

/** Creates an account on `server` with the real CLI, the password on standard input, as a script would. */
export function createAccount(server: Server, email: string, role: "editor" | "publisher" | "admin") {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(binary, ["admin", "create", "--email", email, "--role", role], {
      env: { ...process.env, ...server.env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(stderr))));
    child.stdin.end(`${password}\n`);
  });
}

/** Registers `origin` as one of the company's sites on `server`, with the real CLI. */
export function registerSite(server: Server, origin: string, model: "opt-in" | "opt-out") {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(binary, ["sites", "add", origin, "--model", model], {
      env: { ...process.env, ...server.env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(stderr))));
  });
}

/** Signs in on the sign-in page `page` is sent to. */
export async function signIn(page: Page, email: string) {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}
