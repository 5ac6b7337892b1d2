import { expect, test } from "@playwright/test";
import { shared } from "../servers";
import { createAccount, hydrated, open, signIn } from "./helpers";

test("an admin invites someone, who joins by the link; the admin changes their role and removes them", async ({
  page,
  browser,
}, testInfo) => {
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const admin = `admin-${stamp}@example.com`;
  const invited = `invited-${stamp}@example.com`;
  await createAccount(shared, admin, "admin");
  await open(page, "/admin/users", testInfo);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/admin\/users$/);

  await page.getByLabel("Email address").fill(invited);
  await page.getByLabel("Role", { exact: true }).selectOption("publisher");
  await page.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.locator(".admin-notice")).toContainText("is invited");
  const link = (await page.locator(".users-link").textContent()) ?? "";
  expect(link).toMatch(/\/admin\/invitations\/[\w-]+$/);

  // The invited person opens the link in a browser of their own.
  const theirs = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const them = await theirs.newPage();
  await them.goto(link);
  await expect(them.locator("main")).toContainText("You are invited as");
  await expect(them.locator("main")).toContainText(invited);
  await them.getByLabel("Choose a password (at least 12 characters)").fill("their own long passphrase");
  await them.getByLabel("The same password again").fill("their own long passphrase");
  await them.getByRole("button", { name: "Create my account" }).click();
  await expect(them).toHaveURL(/\/admin$/);
  await expect(them.locator(".admin-who")).toContainText(invited);
  await expect(them.locator(".admin-who")).toContainText(/\(\u2068?publisher\u2069?\)/);
  // The link works once.
  await them.goto(link);
  await expect(them.locator("main")).toContainText("has expired or has been used");

  await open(page, "/admin/users", testInfo);
  const row = page.getByRole("row", { name: new RegExp(invited) });
  await row.getByRole("combobox").selectOption("editor");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(page.locator(".admin-notice")).toContainText("is changed");
  await page.getByRole("button", { name: `Remove ${invited}` }).click();
  await expect(page.locator(".admin-notice")).toContainText("signed out everywhere");

  await them.goto(new URL("/admin", link).href);
  await expect(them).toHaveURL(/\/admin\/sign-in/);
  await theirs.close();
});
