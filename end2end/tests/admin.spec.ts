import { expect, test } from "@playwright/test";
import { shared } from "../servers";
import { createAccount, open, password } from "./helpers";

test("an admin signs in, is refused a wrong password, and signs out", async ({ page }, testInfo) => {
  const email = `e2e-${testInfo.project.name}-${Date.now()}@example.com`;
  await createAccount(shared, email, "admin");
  await open(page, "/admin", testInfo);
  await expect(page).toHaveURL(/\/admin\/sign-in\?return_to=/);

  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill("not the password at all");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email address or the password is wrong.");

  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  // Fluent isolates the placeables with invisible marks, so the parts are checked one by one.
  await expect(page.locator(".admin-who")).toContainText("Signed in as");
  await expect(page.locator(".admin-who")).toContainText(email);
  await expect(page.locator(".admin-who")).toContainText(/\(\u2068?admin\u2069?\)/);
  await expect(page.getByRole("table")).toContainText("sign_in_failed");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("You have signed out.");
  await open(page, "/admin", testInfo);
  await expect(page).toHaveURL(/\/admin\/sign-in/);
});

test("repeated failed sign-ins are throttled with a clear message", async ({ page }, testInfo) => {
  const email = `nobody-${testInfo.project.name}-${Date.now()}@example.com`;
  await open(page, "/admin/sign-in", testInfo);
  for (let attempt = 1; attempt <= 6; attempt++) {
    await page.getByLabel("Email address").fill(email);
    await page.getByLabel("Password").fill(`wrong guess number ${attempt}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toBeVisible();
  }
  await expect(page.getByRole("alert")).toContainText("Too many failed sign-ins. Try again in");
});
