// What a resident or a crew member sees of the reports and jobs kept on the phone (static/js/outbox.js): how many
// wait, a receipt for what went through (on one page, not again), and a refusal that stays, on the list and on
// the job's card, until its "OK, seen" is pressed.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, mock, test } from "node:test";
import { html, json, openPage, settle, startServer, until } from "./browser.js";

const queue = await import("../../static/js/offline-queue.js");
let server;
let pages = 0;

before(async () => { server = await startServer(); });
after(() => server.close());
beforeEach(() => {
  server.reset();
  // The 20-second poll and the quick retry run on a clock the test moves.
  mock.timers.enable({ apis: ["setInterval", "setTimeout"] });
});
afterEach(async () => {
  await settle();
  mock.timers.reset();
});

// The outbox of templates/reports/_report_form.html and templates/workorders/tasks.html, in English.
const REPORT_OUTBOX = `<section id="outbox" hidden
  data-msg-waiting="Waiting to send: {n}. Reports made without a connection are kept on this phone."
  data-msg-sent="A report made without a connection has been sent." data-msg-receipt="See its receipt"
  data-msg-refused="A report kept on this phone could not be sent: {reason}">
  <p class="outbox-status" role="status"></p><ul class="outbox-list"></ul></section>`;
const CREW_OUTBOX = `<section id="outbox" hidden data-kind="completion"
  data-msg-waiting="Waiting to send: {n}." data-msg-sent="Sent: {label} is marked as done."
  data-msg-started="Sent: {label} is marked as started."
  data-msg-refused="{label} could not be marked as done: {reason}" data-msg-refused-short="Not marked as done: {reason}"
  data-msg-open="Open the job" data-msg-dismiss="OK, seen">
  <p class="outbox-status" role="status"></p><ul class="outbox-list"></ul></section>
  <ul class="task-list" data-task-list>
    <li><a class="task-link" href="/staff/tasks/5"><span class="task-title">Töm papperskorgen vid torget</span></a></li>
    <li><a class="task-link" href="/staff/tasks/6"><span class="task-title">Plocka skräp vid hamnen</span></a></li>
  </ul>`;

// A page with the outbox opens: the page's own copy of outbox.js runs (it renders and starts sending).
async function open(path, body, options) {
  await settle();  // the page before has finished what it started
  const page = openPage(server, path, body, options);
  page.outbox = await import(`../../static/js/outbox.js?page=${++pages}`);
  const text = (selector) => page.document.querySelector(selector)?.textContent.replace(/\s+/g, " ").trim() ?? "";
  page.status = () => text(".outbox-status");
  page.items = () => [...page.document.querySelectorAll(".outbox-list li")].map((li) => li.textContent.replace(/\s+/g, " ").trim());
  page.card = (id) => text(`.task-link[href="/staff/tasks/${id}"] .task-refused`);
  page.box = () => page.document.getElementById("outbox");
  return page;
}

const report = (key, extra = {}) => ({
  key, kind: "report", url: "/", label: "Nedskräpning", mine: true,
  fields: [["category", "littered"], ["idempotency_key", key]], files: [], ...extra,
});
const done = (key, order, extra = {}) => ({
  key, kind: "completion", url: `/staff/tasks/${order}/complete`, page: `/staff/tasks/${order}`,
  label: order === 5 ? "Töm papperskorgen vid torget" : "Plocka skräp vid hamnen",
  fields: [["note", "Tömd"]], files: [], ...extra,
});

// The phone's storage with these entries waiting (as the report form or the job page left them offline).
async function phoneWith(...entries) {
  await settle();
  const page = openPage(server, "/", "", { online: false });
  for (const entry of entries) await queue.put(entry);
  return page.storage();
}

describe("the report form's outbox", () => {
  test("offline: how many of this kind wait is shown, and nothing is sent", async () => {
    const keep = await phoneWith(report("r1"), report("r2"), done("d1", 5));
    const page = await open("/", REPORT_OUTBOX, { online: false, keep });
    await until(() => page.status() === "Waiting to send: 2. Reports made without a connection are kept on this phone.",
                "the waiting count");
    assert.equal(page.box().hidden, false);
    assert.deepEqual(page.items(), []);
    assert.equal(server.requests.length, 0);

    const crew = await open("/staff/tasks", CREW_OUTBOX, { online: false, keep });
    await until(() => crew.status() === "Waiting to send: 1.", "the crew's waiting count");
  });

  test("back online: the report goes, its receipt is shown on this page and kept in Mina rapporter, not shown again", async () => {
    server.on("POST /", () => json({ location: "/t/abc", reference: "LK-2026-0042" }));
    const keep = await phoneWith(report("r1"));
    const page = await open("/", REPORT_OUTBOX, { online: false, keep });
    await until(() => page.status().startsWith("Waiting to send: 1."), "the waiting count");

    page.goOnline();
    await until(() => page.items().length === 1, "the receipt");
    // Kept until the resident dismisses it (a notice that goes by itself may go unread).
    assert.deepEqual(page.items(), ["A report made without a connection has been sent. See its receipt (LK-2026-0042) OK"]);
    assert.equal(page.document.querySelector(".outbox-list a").getAttribute("href"), "/t/abc");
    assert.equal(page.status(), "");
    assert.deepEqual(await queue.all(), []);
    const [mine] = await queue.allMine();
    assert.deepEqual([mine.url, mine.reference, mine.label], ["/t/abc", "LK-2026-0042", "Nedskräpning"]);

    // The page asks again every 20 s: the receipt stays while the page is open.
    mock.timers.tick(20000);
    await page.outbox.render();
    assert.deepEqual(page.items(), ["A report made without a connection has been sent. See its receipt (LK-2026-0042) OK"]);

    const again = await open("/", REPORT_OUTBOX, { keep: page.storage() });
    await again.outbox.render();
    assert.deepEqual(again.items(), []);
    assert.equal(again.box().hidden, true);
    assert.equal(server.posts().length, 1);
  });

  test("a busy server: the report goes a few seconds after it recovers, not only at the next 20-second poll", async () => {
    let busy = true;
    server.on("POST /", () => (busy ? html("busy", 503) : json({ location: "/t/abc", reference: "LK-1" })));
    const keep = await phoneWith(report("r1"));
    const page = await open("/", REPORT_OUTBOX, { keep });
    await until(() => server.posts().length === 1, "the first try");
    busy = false;
    let waited = 0;
    await until(() => {
      if (waited < 19000) {
        mock.timers.tick(100);
        waited += 100;
      }
      return page.items().length === 1;
    }, "the receipt after the retry");
    assert.ok(waited < 20000, `sent again after ${waited} ms`);
    assert.equal(server.posts().length, 2);
    assert.equal(page.status(), "");
  });

  test("a refusal names the reason and stays until it is dismissed", async () => {
    server.on("POST /", () => html('<ul class="field-errors"><li>The place is outside the municipality.</li></ul>', 400));
    const keep = await phoneWith(report("r1"));
    const page = await open("/", REPORT_OUTBOX, { keep });
    await until(() => page.items().length === 1, "the refusal");
    assert.deepEqual(page.items(), ["A report kept on this phone could not be sent: The place is outside the municipality. OK"]);
    assert.deepEqual(await queue.all(), []);

    const again = await open("/", REPORT_OUTBOX, { keep: page.storage() });
    await until(() => again.items().length === 1, "the refusal after a reload");
    again.document.querySelector(".outbox-list button").click();
    await until(() => again.box().hidden, "the outbox hidden");
    assert.deepEqual(again.items(), []);
  });
});

describe("the crew's list", () => {
  test("a refused 'done' is named in the list and on the job's card, after reloads too, until 'OK, seen'", async () => {
    server.on("POST /staff/tasks/5/complete", () => html('<ul class="field-errors"><li>An after-photo is needed.</li></ul>', 400));
    const keep = await phoneWith(done("d1", 5));
    const page = await open("/staff/tasks", CREW_OUTBOX, { keep });
    await until(() => page.items().length === 1, "the refusal");
    const refusal = "Töm papperskorgen vid torget could not be marked as done: An after-photo is needed. Open the job OK, seen";
    assert.deepEqual(page.items(), [refusal]);
    assert.equal(page.document.querySelector(".outbox-refused a").getAttribute("href"), "/staff/tasks/5");
    assert.equal(page.card(5), "Not marked as done: An after-photo is needed.");
    assert.equal(page.card(6), "");

    let again = page;
    for (let reload = 0; reload < 2; reload++) {
      again = await open("/staff/tasks", CREW_OUTBOX, { keep: again.storage() });
      await again.outbox.render();  // the list renders twice as it opens (task-offline.js asks too)
      await until(() => again.items().length === 1, "the refusal after a reload");
      assert.deepEqual(again.items(), [refusal]);
      assert.equal(again.document.querySelectorAll(".task-refused").length, 1);
      assert.equal(again.card(5), "Not marked as done: An after-photo is needed.");
    }

    again.document.querySelector(".outbox-refused button").click();
    await until(() => again.items().length === 0, "the refusal dismissed");
    assert.equal(again.card(5), "");
    assert.equal(again.box().hidden, true);
    const later = await open("/staff/tasks", CREW_OUTBOX, { keep: again.storage() });
    await later.outbox.render();
    assert.deepEqual(later.items(), []);
    assert.equal(later.card(5), "");
    assert.equal(server.posts().length, 1);
  });

  test("what went through on another page is shown when the list opens, though the list renders twice", async () => {
    // Sent from the job's page (register-sw.js sends there, without an outbox): remembered for the list.
    await settle();
    const jobPage = openPage(server, "/staff/tasks/5", "");
    const { remember } = await import(`../../static/js/outbox.js?page=${++pages}`);
    await remember(done("d1", 5, { action: "start" }), { sent: true, url: "/staff/tasks/5" });
    await remember(done("d2", 6), { sent: true, url: "/staff/tasks" });
    const page = await open("/staff/tasks", CREW_OUTBOX, { keep: jobPage.storage() });
    await page.outbox.render();  // task-offline.js renders the outbox too as the list opens
    await until(() => page.items().length === 2, "both receipts");
    assert.deepEqual(page.items(), ["Sent: Töm papperskorgen vid torget is marked as started. OK, seen",
                                    "Sent: Plocka skräp vid hamnen is marked as done. OK, seen"]);
    assert.equal(page.box().hidden, false);

    // Each stays until 'OK, seen'; the list's next render does not bring a dismissed one back.
    page.document.querySelector(".outbox-list button").click();
    await until(() => page.items().length === 1, "one receipt left");
    await page.outbox.render();
    assert.deepEqual(page.items(), ["Sent: Plocka skräp vid hamnen is marked as done. OK, seen"]);
  });

  test("a done job waits, and its count is shown, while the crew member's session has ended", async () => {
    let loggedIn = false;
    server.on("POST /staff/tasks/5/complete", () => (loggedIn ? json({ location: "/staff/tasks" })
      : { status: 302, headers: { Location: "/staff/login?next=%2Fstaff%2Ftasks%2F5%2Fcomplete" } }));
    server.on("GET /staff/login", () => html("<h1>Logga in</h1>"));
    const keep = await phoneWith(done("d1", 5));
    const page = await open("/staff/tasks", CREW_OUTBOX, { keep });
    await until(() => server.posts().length === 1, "the first try");
    await page.outbox.render();
    assert.equal(page.status(), "Waiting to send: 1.");
    assert.deepEqual(page.items(), []);

    loggedIn = true;
    const after = await open("/staff/tasks", CREW_OUTBOX, { keep: page.storage() });
    await until(() => after.items().length === 1, "the receipt after logging in");
    assert.deepEqual(after.items(), ["Sent: Töm papperskorgen vid torget is marked as done. OK, seen"]);
    assert.equal(after.status(), "");
  });
});

test("what went through is kept for the next page, the last ten; every refusal is kept", async () => {
  await settle();
  openPage(server, "/", "");
  const { remember } = await import(`../../static/js/outbox.js?page=${++pages}`);
  await remember(report("bad"), { refused: "Choose a category." });
  for (let n = 1; n <= 12; n++) await remember(report(`r${n}`, { mine: false }), { sent: true, url: `/t/${n}` });
  const kept = JSON.parse(globalThis.localStorage.getItem("trygghetskartan-sent"));
  assert.deepEqual(kept.map((item) => item.key), ["bad", ...Array.from({ length: 10 }, (_, i) => `r${i + 3}`)]);
});
