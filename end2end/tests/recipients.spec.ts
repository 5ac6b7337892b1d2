import { expect, test } from "@playwright/test";
import { shared } from "../servers";
import { createAccount, open, signIn } from "./helpers";

test("an admin uploads account holders and is told which rows were refused", async ({ page }, testInfo) => {
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const admin = `recipients-${stamp}@example.com`;
  await createAccount(shared, admin, "admin");
  await open(page, "/admin/recipients", testInfo);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/admin\/recipients$/);

  const holder = `holder-${stamp}@example.com`;
  const csv = `email,name,locale\n${holder},Holder,de\nnot-an-address,Nobody,en\n`;
  await page.getByLabel("CSV file of account holders").setInputFiles({
    name: "holders.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv),
  });
  await page.getByRole("button", { name: "Import" }).click();
  const report = page.locator(".admin-notice");
  await expect(report).toContainText("added");
  await expect(report).toContainText("rows were not imported");
  await expect(report.getByRole("listitem")).toContainText(["line 3:"]);
  await expect(page.getByRole("cell", { name: holder })).toBeVisible();
});
