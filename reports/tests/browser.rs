//! The report tested as a person would see it: the fixture results are rendered into a site,
//! and every page is opened in headless Chromium, driven over the DevTools protocol
//! (`--remote-debugging-pipe`: NUL-separated JSON on file descriptors 3 and 4). Each page must
//! load with no console error (Content-Security-Policy violations are console errors), make no
//! request outside the report directory, lay out within 1200 px, show every SVG with a non-zero
//! size, and render markup from user input as text; a full-page screenshot of each is kept.
//!
//! Where Chromium is absent the tests print why and pass, unless `PARBENCH_REQUIRE_CHROMIUM=1`
//! (set by `.ci/run`), which makes the absence a failure.

use parbench_test_support::fixture;

use parbench_analysis::results_io::ResultsFile;
use parbench_reports::{Format, html, write_reports};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const WIDTH: u32 = 1280;
/// The most a suite page may be tall on screen before any `<details>` is opened.
const MAX_SUITE_PAGE_HEIGHT: f64 = 12_000.0;
const TIMEOUT: Duration = Duration::from_secs(60);

/// The Chromium binary, or why there is none (then the test skips or, when required, fails).
fn chromium() -> Option<PathBuf> {
    let required = std::env::var("PARBENCH_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    // $PARBENCH_CHROMIUM, when set, is the only place looked at.
    let candidates: Vec<String> = match std::env::var("PARBENCH_CHROMIUM") {
        Ok(path) => vec![path],
        Err(_) => [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .map(String::from)
        .to_vec(),
    };
    let found = candidates.iter().map(PathBuf::from).find(|p| p.is_file());
    if found.is_none() {
        let why = format!(
            "no Chromium found (looked at {}); install it with `apt-get install -y chromium` or point $PARBENCH_CHROMIUM at it",
            candidates.join(", ")
        );
        assert!(!required, "PARBENCH_REQUIRE_CHROMIUM=1 but {why}");
        eprintln!("skipping the browser test: {why}");
    }
    found
}

/// A headless Chromium attached to one page over the DevTools pipe.
struct Browser {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    session: String,
    events: Vec<Value>,
}

impl Browser {
    fn launch(binary: &Path, work: &Path) -> Browser {
        let profile = work.join("profile");
        std::fs::create_dir_all(&profile).unwrap();
        let log = std::fs::File::create(work.join("chromium.log")).unwrap();
        // Chromium reads commands from fd 3 and writes replies to fd 4: the shell maps them onto
        // our pipes and points its own stdin/stdout elsewhere so logs cannot corrupt the stream.
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>&2")
            .arg(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
                &format!("--window-size={WIDTH},900"),
                &format!("--user-data-dir={}", profile.display()),
                "about:blank",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start chromium");
        let input = child.stdin.take().unwrap();
        let output = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            let mut buf = Vec::new();
            while let Ok(n) = reader.read_until(0, &mut buf) {
                if n == 0 {
                    break;
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(v).is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        let mut b = Browser {
            child,
            input,
            messages,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
        };
        let target = b.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    fn send(&mut self, mut message: Value, session: bool) -> u64 {
        self.next_id += 1;
        message["id"] = json!(self.next_id);
        if session {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.input.write_all(&bytes).expect("write to chromium");
        self.input.flush().unwrap();
        self.next_id
    }

    /// Waits for the reply to `id`, keeping events that arrive meanwhile.
    fn reply(&mut self, id: u64, what: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if m["id"].as_u64() == Some(id) => {
                    assert!(m.get("error").is_none(), "{what} failed: {}", m["error"]);
                    return m["result"].clone();
                }
                Ok(m) => self.events.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer {what}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("chromium exited while waiting for {what}")
                }
            }
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(json!({"method": method, "params": params}), false);
        self.reply(id, method)
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(json!({"method": method, "params": params}), true);
        self.reply(id, method)
    }

    fn wait_event(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) => {
                    let done = m["method"] == method;
                    self.events.push(m);
                    if done {
                        return;
                    }
                }
                Err(_) => panic!("no {method} from chromium"),
            }
        }
    }

    /// Events that arrive within `d`.
    fn settle(&mut self, d: Duration) {
        let deadline = Instant::now() + d;
        while let Ok(m) = self
            .messages
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.events.push(m);
        }
    }

    fn evaluate(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "evaluating failed: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let id = self.send(json!({"method": "Browser.close"}), false);
        let _ = self.messages.recv_timeout(Duration::from_secs(5));
        let _ = id;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a page looked like in the browser.
#[derive(Debug)]
struct PageReport {
    errors: Vec<String>,
    foreign_requests: Vec<String>,
    svg_sizes: Vec<(f64, f64)>,
    scroll_width: f64,
    title: String,
    h1: String,
    markup_elements: u64,
    /// How far each horizontally scrolling box overflows (px): content that does not fit.
    overflowing: Vec<(f64, String)>,
    /// The page's height (px), details closed.
    height: f64,
    /// Words laid out across two lines (broken inside the word), the first few.
    broken_words: Vec<String>,
    screenshot: Vec<u8>,
}

fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().expect("utf-8 path").bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// How a page is looked at: on a screen 1200 px wide, or printed on A4 paper (about 720 CSS px
/// between the default margins).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Medium {
    Screen,
    Print,
}

impl Medium {
    fn width(self) -> u32 {
        match self {
            Medium::Screen => WIDTH,
            Medium::Print => 720,
        }
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "one browser session checked step by step; split, the steps would share a dozen locals"
)]
fn open(browser: &mut Browser, page: &Path, allowed_dir: &Path, medium: Medium) -> PageReport {
    browser.call(
        "Emulation.setEmulatedMedia",
        json!({"media": if medium == Medium::Print { "print" } else { "screen" }}),
    );
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": medium.width(), "height": 900, "deviceScaleFactor": 1, "mobile": false}),
    );
    browser.events.clear();
    let nav = browser.call("Page.navigate", json!({"url": file_url(page)}));
    assert!(
        nav.get("errorText").is_none(),
        "navigating to {} failed: {}",
        page.display(),
        nav["errorText"]
    );
    browser.wait_event("Page.loadEventFired");
    browser.settle(Duration::from_millis(300));
    let facts = browser.evaluate(
        "(() => ({
            sizes: Array.from(document.querySelectorAll('svg'), s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
            scrollWidth: document.documentElement.scrollWidth,
            title: document.title,
            h1: (document.querySelector('h1') || {textContent: ''}).textContent,
            markup: document.querySelectorAll('img, script, iframe, object, embed, [onerror], [onload], [onclick]').length,
            overflowing: Array.from(document.querySelectorAll('.scroll'), e => [e.scrollWidth - e.clientWidth, (e.querySelector('th') || {textContent: ''}).textContent + ' … ' + (e.previousElementSibling || {textContent: ''}).textContent]).filter(d => d[0] > 1),
            height: document.documentElement.scrollHeight,
            broken: (() => {
                const out = [];
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                let n;
                while ((n = walker.nextNode()) && out.length < 12) {
                    if (!n.parentElement || n.parentElement.closest('svg, style, script, pre')) continue;
                    const re = /[\\p{L}\\p{N}_]{2,}/gu;
                    let m;
                    while ((m = re.exec(n.textContent)) && out.length < 12) {
                        const r = document.createRange();
                        r.setStart(n, m.index);
                        r.setEnd(n, m.index + m[0].length);
                        const tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
                        if (tops.size > 1) out.push(m[0]);
                    }
                }
                return out;
            })()
        }))()",
    );
    browser.settle(Duration::from_millis(100));
    let height = facts["height"]
        .as_f64()
        .unwrap_or(900.0)
        .clamp(100.0, 16_000.0);
    let shot = browser.call(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true,
               "clip": {"x": 0, "y": 0, "width": medium.width(), "height": height, "scale": 1}}),
    );
    let mut errors = Vec::new();
    let mut foreign_requests = Vec::new();
    let allowed = file_url(allowed_dir);
    for e in &browser.events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled"
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                errors.push(format!("console.{}: {}", p["type"], p["args"]));
            }
            "Runtime.exceptionThrown" => {
                errors.push(format!("exception: {}", p["exceptionDetails"]))
            }
            "Log.entryAdded"
                if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) =>
            {
                errors.push(format!(
                    "{} ({}): {}",
                    p["entry"]["level"], p["entry"]["source"], p["entry"]["text"]
                ));
            }
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or("").to_string();
                if !(url.starts_with(&allowed) || url.starts_with("data:")) {
                    foreign_requests.push(url);
                }
            }
            "Network.loadingFailed" => errors.push(format!("loading failed: {p}")),
            _ => {}
        }
    }
    PageReport {
        errors,
        foreign_requests,
        svg_sizes: facts["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s[0].as_f64().unwrap(), s[1].as_f64().unwrap()))
            .collect(),
        scroll_width: facts["scrollWidth"].as_f64().unwrap(),
        title: facts["title"].as_str().unwrap_or("").to_string(),
        h1: facts["h1"].as_str().unwrap_or("").to_string(),
        markup_elements: facts["markup"].as_u64().unwrap(),
        overflowing: facts["overflowing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o[0].as_f64().unwrap(),
                    o[1].as_str().unwrap_or("").to_string(),
                )
            })
            .collect(),
        height: facts["height"].as_f64().unwrap_or(0.0),
        broken_words: facts["broken"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        screenshot: base64_decode(shot["data"].as_str().unwrap()),
    }
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
#[cfg_attr(
    not(parbench_chromium),
    ignore = "no Chromium at build time (apt-get install chromium, or set PARBENCH_CHROMIUM); PARBENCH_REQUIRE_CHROMIUM=1 fails instead"
)]
#[expect(
    clippy::too_many_lines,
    reason = "one browser session checked step by step; split, the steps would share a dozen locals"
)]
fn every_page_loads_cleanly_in_chromium() {
    let Some(binary) = chromium() else { return };
    let work = work_dir("browser-report");
    let site = work.join("site");
    let results = fixture::every_workload();
    write_reports(&results, &site, &Format::ALL).unwrap();
    let shots = std::env::var_os("PARBENCH_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| work.join("screenshots"));
    std::fs::create_dir_all(&shots).unwrap();

    let mut pages: Vec<PathBuf> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 11, "index and a page per suite: {pages:?}");

    let mut browser = Browser::launch(&binary, &work);
    let mut failures = Vec::new();
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        let r = open(&mut browser, page, &site, Medium::Screen);
        let png = shots.join(name.replace(".html", ".png"));
        std::fs::write(&png, &r.screenshot).unwrap();
        eprintln!(
            "{name}: {} SVGs, {} px wide, screenshot {} ({} KiB)",
            r.svg_sizes.len(),
            r.scroll_width,
            png.display(),
            r.screenshot.len() / 1024
        );
        let html = std::fs::read_to_string(page).unwrap();
        let mut problems = Vec::new();
        if !r.errors.is_empty() {
            problems.push(format!("console errors: {:#?}", r.errors));
        }
        if !r.foreign_requests.is_empty() {
            problems.push(format!(
                "requests outside the report: {:?}",
                r.foreign_requests
            ));
        }
        if r.svg_sizes.is_empty() {
            problems.push("no SVG at all".into());
        }
        if r.svg_sizes.len() != html.matches("<svg").count() {
            problems.push(format!(
                "{} SVGs in the DOM, {} in the file",
                r.svg_sizes.len(),
                html.matches("<svg").count()
            ));
        }
        let empty: Vec<_> = r
            .svg_sizes
            .iter()
            .enumerate()
            .filter(|(_, (w, h))| !(*w > 0.0 && *h > 0.0))
            .collect();
        if !empty.is_empty() {
            problems.push(format!("SVGs with no rendered size: {empty:?}"));
        }
        if r.scroll_width > WIDTH as f64 {
            problems.push(format!(
                "content is {} px wide, wider than the {WIDTH} px window",
                r.scroll_width
            ));
        }
        if !r.overflowing.is_empty() {
            problems.push(format!(
                "tables wider than the page by {:?} px (they scroll sideways)",
                r.overflowing
            ));
        }
        if name.starts_with("suite-") && r.height > MAX_SUITE_PAGE_HEIGHT {
            problems.push(format!(
                "{} px tall before any details are opened (at most {MAX_SUITE_PAGE_HEIGHT})",
                r.height
            ));
        }
        if r.markup_elements != 0 {
            problems.push(format!(
                "{} elements that only injected markup could create",
                r.markup_elements
            ));
        }
        if !r.screenshot.starts_with(b"\x89PNG") || r.screenshot.len() < 10_000 {
            problems.push("the screenshot is not a real PNG".into());
        }
        if r.title.is_empty() || r.h1.is_empty() {
            problems.push("no title or heading".into());
        }
        if html.contains(&format!(
            "<h1 id=\"top\">{}",
            maud::html! { (fixture::XSS) }.into_string()
        )) {
            if r.h1 != fixture::XSS {
                problems.push(format!("the suite name renders as {:?}, not as text", r.h1));
            }
            if !r.title.starts_with(fixture::XSS) {
                problems.push(format!("the title renders as {:?}", r.title));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    // Printed on A4: nothing wider than the paper (tables cannot scroll on paper).
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        let r = open(&mut browser, page, &site, Medium::Print);
        std::fs::write(
            shots.join(name.replace(".html", ".print.png")),
            &r.screenshot,
        )
        .unwrap();
        let width = Medium::Print.width() as f64;
        if r.scroll_width > width || !r.overflowing.is_empty() {
            failures.push(format!(
                "{name} printed: {} px wide on {width} px of paper; cut off: {:?}",
                r.scroll_width, r.overflowing
            ));
        }
        if !r.errors.is_empty() {
            failures.push(format!("{name} printed: console errors {:#?}", r.errors));
        }
        if !r.broken_words.is_empty() {
            failures.push(format!(
                "{name} printed: words broken across lines inside the word: {:?}",
                r.broken_words
            ));
        }
    }
    drop(browser);
    assert!(
        pages.iter().any(|p| std::fs::read_to_string(p)
            .unwrap()
            .contains("&lt;img src=x onerror=alert(1)&gt;")),
        "the escaping suite is in the site"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checks above can fail: a page that breaks its CSP, loads from the network and has an
/// empty SVG is caught on every count.
#[test]
#[cfg_attr(
    not(parbench_chromium),
    ignore = "no Chromium at build time (apt-get install chromium, or set PARBENCH_CHROMIUM); PARBENCH_REQUIRE_CHROMIUM=1 fails instead"
)]
fn the_browser_checks_catch_a_broken_page() {
    let Some(binary) = chromium() else { return };
    let work = work_dir("browser-negative");
    let site = work.join("site");
    std::fs::create_dir_all(&site).unwrap();
    let page = site.join("broken.html");
    std::fs::write(
        &page,
        format!(
            "{}<h1>broken</h1><p style=\"color: red\">inline style breaks the CSP</p><img src=\"http://192.0.2.1/x.png\"><svg width=\"0\" height=\"0\"></svg><h2>{}</h2></body></html>",
            html::page_head("broken"),
            "unbreakable".repeat(30)
        ),
    )
    .unwrap();
    let mut browser = Browser::launch(&binary, &work);
    let r = open(&mut browser, &page, &site, Medium::Screen);
    drop(browser);
    assert!(
        r.errors
            .iter()
            .any(|e| e.contains("Content Security Policy")),
        "CSP violation reported: {:#?}",
        r.errors
    );
    assert!(r.svg_sizes.contains(&(0.0, 0.0)), "{:?}", r.svg_sizes);
    assert_eq!(r.markup_elements, 1, "the img");
    assert!(
        !r.broken_words.is_empty(),
        "a word wider than the page is broken inside: caught"
    );
}

/// A real default run (`parbench run` on the 2-core development machine, release build,
/// `tests/data/default-run.json`): every suite page at most 12,000 px tall at 1280 px before
/// any details are opened, nothing wider than the window, and no word broken inside in print.
#[test]
#[cfg_attr(
    not(parbench_chromium),
    ignore = "no Chromium at build time (apt-get install chromium, or set PARBENCH_CHROMIUM); PARBENCH_REQUIRE_CHROMIUM=1 fails instead"
)]
fn the_default_run_fits_the_screen_and_the_paper() {
    let Some(binary) = chromium() else { return };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/default-run.json");
    let results = parbench_schema::results::RunResults::load(&data).expect("the recorded run");
    let work = work_dir("browser-default-run");
    let site = work.join("site");
    write_reports(&results, &site, &Format::ALL).unwrap();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    pages.sort();
    let mut browser = Browser::launch(&binary, &work);
    let mut failures = Vec::new();
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        let r = open(&mut browser, page, &site, Medium::Screen);
        eprintln!("{name}: {} px tall, {} px wide", r.height, r.scroll_width);
        if name.starts_with("suite-") && r.height > MAX_SUITE_PAGE_HEIGHT {
            failures.push(format!("{name}: {} px tall", r.height));
        }
        if r.scroll_width > WIDTH as f64 || !r.overflowing.is_empty() {
            failures.push(format!(
                "{name}: {} px wide; tables overflowing {:?}",
                r.scroll_width, r.overflowing
            ));
        }
        if !r.errors.is_empty() {
            failures.push(format!("{name}: {:#?}", r.errors));
        }
        let printed = open(&mut browser, page, &site, Medium::Print);
        if !printed.broken_words.is_empty() {
            failures.push(format!(
                "{name} printed: words broken inside: {:?}",
                printed.broken_words
            ));
        }
    }
    drop(browser);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
