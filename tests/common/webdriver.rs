//! A minimal WebDriver client for tests/browser.rs: chromedriver as a child process, one
//! HTTP/1.1 request per connection over std's TcpStream, JSON bodies through serde_json.
//!
//! Included only by tests/browser.rs (through `#[path]`), so the other test binaries do
//! not compile it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key of a web element reference in W3C WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long one WebDriver command may take (a session start launches Chromium).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP or WebDriver failure of one command.
#[derive(Debug)]
pub struct WdError {
    /// The HTTP status, 0 when the request itself failed.
    pub status: u16,
    /// The WebDriver error code ("no such element", "javascript error", ...) or "io".
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.error, self.message)
    }
}

/// One request on its own connection (`Connection: close`): returns the status and the
/// body. The body is read by Content-Length, by chunks, or to the end of the stream.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if body.is_some() {
        request.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    request.push_str(&payload);
    stream.write_all(request.as_bytes())?;
    stream.flush()?;

    let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // "HTTP/1.1 200 OK"
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {line:?}")))?;
    let mut content_length = None;
    let mut chunked = false;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(bad("headers cut short".into()));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| bad(format!("bad Content-Length {value:?}")))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
            {
                chunked = true;
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| bad(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?; // the CRLF after the chunk
        }
    } else if let Some(n) = content_length {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, body))
}

/// A WebDriver command: the JSON `value` of a success, or the error it names.
fn command(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, WdError> {
    let (status, bytes) = http(port, method, path, body, COMMAND_TIMEOUT).map_err(|e| WdError {
        status: 0,
        error: "io".into(),
        message: format!("{method} {path}: {e}"),
    })?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| WdError {
        status,
        error: "invalid json".into(),
        message: format!(
            "{method} {path}: {e}: {}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
        ),
    })?;
    let value = doc.get("value").cloned().unwrap_or(Value::Null);
    if status == 200 {
        return Ok(value);
    }
    Err(WdError {
        status,
        error: value["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_string(),
        message: format!(
            "{method} {path}: {}",
            value["message"].as_str().unwrap_or_default()
        ),
    })
}

/// A running chromedriver, killed when the last handle to it is dropped (also while a
/// panicking test unwinds).
pub struct Driver {
    child: Child,
    port: u16,
}

static SHARED: Mutex<Weak<Driver>> = Mutex::new(Weak::new());

impl Driver {
    /// The chromedriver of this test binary: the one already running for another test,
    /// else a new one.
    pub fn shared() -> Arc<Driver> {
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = slot.upgrade() {
            return d;
        }
        let d = Arc::new(Driver::start());
        *slot = Arc::downgrade(&d);
        d
    }

    /// Starts chromedriver on a free loopback port and waits until `/status` says ready.
    pub fn start() -> Driver {
        let mut last = String::new();
        for _ in 0..3 {
            // A port that was free a moment ago; another process may take it in between,
            // hence the retries.
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
            let mut driver = Driver { child, port };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    last = format!("chromedriver exited with {status} before it was ready");
                    break;
                }
                match command(port, "GET", "/status", None) {
                    Ok(v) if v["ready"] == json!(true) => return driver,
                    Ok(v) => last = format!("/status: {v}"),
                    Err(e) => last = e.to_string(),
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            drop(driver);
        }
        panic!("chromedriver never became ready: {last}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// One browser log entry (`goog:loggingPrefs`).
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

/// A WebDriver session: one headless Chromium with a fresh profile. Dropping it ends the
/// session (which quits that Chromium) before its handle on the driver goes.
pub struct Session {
    // Fields drop after Session::drop has ended the session, in this order: the driver
    // handle last.
    profile: Option<tempfile::TempDir>,
    id: String,
    driver: Arc<Driver>,
}

impl Session {
    /// A new session of headless Chromium logging its console ("browser") and network
    /// events ("performance").
    pub fn new(driver: Arc<Driver>) -> Session {
        let profile = tempfile::Builder::new()
            .prefix("arcaudit-chromium-")
            .tempdir()
            .expect("a temporary profile folder");
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1280,2000".into(),
        ];
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
                    "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
                }
            }
        });
        let v = command(driver.port(), "POST", "/session", Some(&caps))
            .unwrap_or_else(|e| panic!("cannot create a Chromium session: {e}"));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {v}"))
            .to_string();
        Session {
            profile: Some(profile),
            id,
            driver,
        }
    }

    /// A command on this session: `suffix` follows `/session/{id}`.
    pub fn cmd(&self, method: &str, suffix: &str, body: Option<Value>) -> Result<Value, WdError> {
        let path = format!("/session/{}{suffix}", self.id);
        command(self.driver.port(), method, &path, body.as_ref())
    }

    /// Navigates and waits for the page to load.
    pub fn goto(&self, url: &str) -> Result<(), WdError> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(|_| ())
    }

    /// Resizes the browser window (CSS pixels; headless Chromium has no window frame, so
    /// this is the viewport too).
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), WdError> {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .map(|_| ())
    }

    /// Runs a function body (`return ...`) in the page; `arguments[i]` are `args`.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// The first element matching a CSS selector, as its WebDriver element id.
    pub fn find(&self, css: &str) -> Result<String, WdError> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        element_id(&v).ok_or_else(|| WdError {
            status: 200,
            error: "no element reference".into(),
            message: v.to_string(),
        })
    }

    pub fn click(&self, element: &str) -> Result<(), WdError> {
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .map(|_| ())
    }

    /// Types text into an element as key presses.
    pub fn send_keys(&self, element: &str, text: &str) -> Result<(), WdError> {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .map(|_| ())
    }

    /// The log entries of one type ("browser", "performance") since the last call: the
    /// driver empties its buffer as it answers.
    pub fn log(&self, kind: &str) -> Result<Vec<LogEntry>, WdError> {
        let v = self.cmd("POST", "/se/log", Some(json!({ "type": kind })))?;
        Ok(v.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| LogEntry {
                        level: e["level"].as_str().unwrap_or_default().to_string(),
                        message: e["message"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A Chrome DevTools Protocol command through chromedriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, WdError> {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": cmd, "params": params })),
        )
    }

    /// A PNG of the viewport.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, WdError> {
        let v = self.cmd("GET", "/screenshot", None)?;
        let text = v.as_str().unwrap_or_default();
        base64_decode(text).ok_or_else(|| WdError {
            status: 200,
            error: "bad base64".into(),
            message: format!("{} characters", text.len()),
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Quits this Chromium; a driver killed with a session still open would leave it
        // running.
        let _ = self.cmd("DELETE", "", None);
        drop(self.profile.take());
    }
}

/// The element id inside a WebDriver element reference.
pub fn element_id(v: &Value) -> Option<String> {
    v.get(ELEMENT_KEY)?.as_str().map(str::to_string)
}

/// Standard base64 (with or without padding; whitespace ignored).
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Whether chromium and chromedriver are installed where this harness looks.
pub fn browser_installed() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}
