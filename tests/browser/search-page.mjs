// Drives the search page in Debian's headless Chromium, as a reader would:
// types a Chinese query, submits, sees highlighted results, filters by a
// source facet, goes to page 2, opens the shared URL, picks a suggestion
// with the keyboard as it types, checks that article markup runs nothing,
// narrows the dates with a timeline bar, opens an article page, and saves
// screenshots.
//
// Usage: node search-page.mjs BASE_URL SCREENSHOT_DIR
// Exits non-zero with a message on the first failed check.

import { chromium } from "playwright-core";

const [base, screenshots] = process.argv.slice(2);
if (!base || !screenshots) {
  console.error("usage: node search-page.mjs BASE_URL SCREENSHOT_DIR");
  process.exit(2);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN" });
  const page = await context.newPage();
  const dialogs = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  // Type a Chinese query into the box and submit.
  await page.goto(base + "/");
  await page.fill("input[name=q]", "防汛");
  await Promise.all([page.waitForURL(/\?q=/), page.press("input[name=q]", "Enter")]);
  const hits = await page.locator("article.hit").count();
  check(hits === 10, `10 hits on the first page, saw ${hits}`);
  const marks = await page.locator("article.hit mark").allTextContents();
  check(marks.length > 0 && marks.every((m) => m === "防汛"), `highlighted query words, saw ${JSON.stringify(marks.slice(0, 5))}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `no sideways scrolling on a phone, overflow ${overflow}px`);
  await page.screenshot({ path: `${screenshots}/search-results.png`, fullPage: true });

  // Filter by a source facet.
  const facet = page.locator("aside.facets a.source").first();
  const source = (await facet.textContent()).trim();
  await Promise.all([page.waitForURL(/source=/), facet.click()]);
  const sources = await page.locator("article.hit .meta").allTextContents();
  check(sources.length > 0 && sources.every((m) => m.includes(source)), `every hit from ${source}: ${JSON.stringify(sources)}`);

  // Back to all sources, then page 2.
  await page.goto(base + "/?q=" + encodeURIComponent("防汛"));
  await Promise.all([page.waitForURL(/page=2/), page.click("a[rel=next]")]);
  const secondPage = await page.locator("article.hit h3").allTextContents();
  check(secondPage.length > 0, "results on page 2");
  const sharedUrl = page.url();

  // Open the shared URL in a fresh page: the same results.
  const shared = await context.newPage();
  await shared.goto(sharedUrl);
  const sharedTitles = await shared.locator("article.hit h3").allTextContents();
  check(JSON.stringify(sharedTitles) === JSON.stringify(secondPage), "a shared URL shows the same results");

  // Suggestions as you type: pinyin initials of 南河, then the keyboard
  // picks one (arrow down, Enter) and searches it.
  await page.goto(base + "/");
  await page.locator("input[name=q]").pressSequentially("nanhe", { delay: 30 });
  const options = page.locator("ul.suggestions li[role=option]");
  await options.first().waitFor({ state: "visible", timeout: 10000 });
  const offered = await options.allTextContents();
  check(offered.length > 0 && offered.length <= 10 && offered.every((o) => o.startsWith("南河")), `suggestions for nanhe: ${JSON.stringify(offered)}`);
  await page.press("input[name=q]", "ArrowDown");
  const selected = await page.locator("ul.suggestions li[aria-selected=true]").textContent();
  check(selected === offered[0], `arrow down selects the first suggestion, saw ${selected}`);
  await page.screenshot({ path: `${screenshots}/suggestions.png` });
  await Promise.all([page.waitForURL(/\?q=/), page.press("input[name=q]", "Enter")]);
  const picked = await page.inputValue("input[name=q]");
  check(picked === offered[0], `Enter searches the picked suggestion: ${picked}`);
  check((await page.locator("article.hit").count()) > 0, "the picked suggestion finds articles");

  // Article markup is shown as text and runs nothing.
  await page.goto(base + "/?q=" + encodeURIComponent("注入测试"));
  const title = await page.locator("article.hit h3").first().textContent();
  check(title.includes("<img") && title.includes("<script>"), `markup shown as text: ${title}`);
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned === undefined ? null : window.__pwned,
    images: document.querySelectorAll("article.hit img").length,
    scripts: document.querySelectorAll("article.hit script").length,
  }));
  check(injected.pwned === null, `injected script ran: ${JSON.stringify(injected)}`);
  check(injected.images === 0 && injected.scripts === 0, `no injected elements: ${JSON.stringify(injected)}`);
  check(dialogs.length === 0, `no dialogs opened: ${JSON.stringify(dialogs)}`);
  await page.screenshot({ path: `${screenshots}/markup-as-text.png`, fullPage: true });

  // The timeline: clicking a month's bar narrows the dates to that month.
  await page.goto(base + "/?q=" + encodeURIComponent("防汛"));
  const bar = page.locator("figure.timeline a.bar:not([data-count='0'])").first();
  const month = await bar.getAttribute("data-label");
  const inMonth = Number(await bar.getAttribute("data-count"));
  await Promise.all([page.waitForURL(/from=.*to=/), bar.click()]);
  const summary = await page.locator("p.summary").first().textContent();
  check(summary.includes(`共 ${inMonth} 条`), `the ${month} bar (${inMonth}) narrows the results: ${summary}`);
  const active = await page.locator("figure.timeline a.bar.active").getAttribute("data-label");
  check(active === month, `the narrowed bar is marked: ${active}`);
  await page.screenshot({ path: `${screenshots}/timeline-month.png`, fullPage: true });

  // A hit without a web address opens Xunwen's article page, words marked.
  const first = page.locator("article.hit h3 a").first();
  const hitTitle = (await first.textContent()).trim();
  await Promise.all([page.waitForURL(/\/articles\//), first.click()]);
  const heading = (await page.locator("article.reading h1").textContent()).trim();
  check(heading === hitTitle, `the article page shows the hit: ${heading} / ${hitTitle}`);
  const articleMarks = await page.locator("article.reading mark").allTextContents();
  check(articleMarks.length > 0 && articleMarks.every((m) => m === "防汛"), `query words marked on the article page: ${JSON.stringify(articleMarks)}`);
  check((await page.locator("ol.printings li").count()) >= 1, "the outlets that printed it are listed");
  await page.screenshot({ path: `${screenshots}/article-page.png`, fullPage: true });

  // The page works without JavaScript: it is rendered by the server.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(base + "/?q=" + encodeURIComponent("防汛") + "&sort=newest");
  check((await plain.locator("article.hit").count()) === 10, "results without JavaScript");
  console.log("browser checks passed");
} finally {
  await browser.close();
}
