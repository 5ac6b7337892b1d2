import { expect, test } from "@playwright/test";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { shared, type Server } from "../servers";
import { open } from "./helpers";

/** The message `server` wrote for `to` (no SMTP server is set, so it went to an .eml file), its
 * quoted-printable soft line breaks and escapes undone. */
async function receivedMessage(server: Server, to: string): Promise<string> {
  const dir = server.env.CHARTER_OUTBOX_DIR;
  for (let tries = 0; tries < 50; tries++) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      // The outbox also holds the worker's private staging directory.
      if (!name.endsWith(".eml")) continue;
      const raw = await readFile(path.join(dir, name), "utf8");
      if (raw.includes(`To: ${to}`)) {
        const bytes = raw
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
        return Buffer.from(bytes, "latin1").toString("utf8");
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message to ${to} in ${dir}`);
}

/** Fluent isolates the placeables with invisible marks; match around them. */
const isolated = (text: string) => new RegExp(`\\u2068?${text.replace(/[.+]/g, "\\$&")}\\u2069?`);

test("a visitor subscribes through the outbox and confirms by the emailed link", async ({
  page,
}, testInfo) => {
  const email = `sub-${testInfo.project.name}-${Date.now()}@example.com`;
  await open(page, "/", testInfo);
  await page.getByRole("link", { name: "Email me about changes" }).click();
  await expect(page).toHaveURL(/\/subscribe$/);
  await page.getByLabel("Your email address").fill(email);
  await page.getByLabel("Privacy Policy").check();
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("status")).toContainText("we sent a link to confirm");

  // The notice worker sends it from the outbox, into an .eml file here.
  const message = await receivedMessage(shared, email);
  expect(message, "the confirmation names what was asked for").toContain("Privacy Policy");
  const link = message.match(/http:\/\/\S+?\/subscribe\/confirm\/[0-9a-f]{32}/)?.[0];
  expect(link, message).toBeTruthy();
  expect(message.match(/^Message-ID: .*$/m)?.[0], "no token in the Message-ID").not.toContain(
    link!.split("/").pop(),
  );
  await open(page, link!, testInfo);
  await expect(page.locator(".subscribe")).toContainText(isolated(email));
  await page.getByRole("button", { name: "Confirm subscription" }).click();
  await expect(page.getByRole("status")).toContainText("Subscribed:");
  await expect(page.getByRole("status")).toContainText(isolated(email));
});

test("a confirmation link cannot unsubscribe", async ({ page, request }, testInfo) => {
  const email = `button-${testInfo.project.name}-${Date.now()}@example.com`;
  await open(page, "/subscribe", testInfo);
  await page.getByLabel("Your email address").fill(email);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("status")).toContainText("we sent a link to confirm");
  const token = (await receivedMessage(shared, email)).match(/\/subscribe\/confirm\/([0-9a-f]{32})/)?.[1];
  expect((await request.get(`/unsubscribe/${token}`)).status()).toBe(404);
  const response = await request.post(`/unsubscribe/${token}`, {
    form: { "List-Unsubscribe": "One-Click" },
  });
  expect(response.status()).toBe(404);
});
