//! The worker-process protocol: versioned, length-prefixed binary frames over a worker's stdin
//! (parent → worker) and stdout (worker → parent). Tasks are opaque here (a kind string and
//! bytes); decoding is strict, so a stray `println!` or a truncated frame is a clear error.
//!
//! A frame is a little-endian `u32` body length followed by the body; the body starts with a
//! one-byte message type:
//!
//! | type | direction | body after the type byte |
//! |---|---|---|
//! | `0x01` ready | worker → parent | magic `PBWK`, `u32` protocol version, `u32` pid |
//! | `0x02` task | parent → worker | `u64` id, `u16` kind length, kind (UTF-8), payload (the rest) |
//! | `0x03` done | worker → parent | `u64` id, `u64` compute ns, payload (the rest) |
//! | `0x04` failed | worker → parent | `u64` id, message (UTF-8, the rest) |
//! | `0x05` shutdown | parent → worker | nothing |

use std::fmt;
use std::io::{self, Read, Write};

/// Bumped whenever a frame's layout or meaning changes; both sides must agree.
pub const PROTOCOL_VERSION: u32 = 1;

/// Bytes that open every `ready` frame: a program that is not a parbench worker fails fast.
pub const READY_MAGIC: [u8; 4] = *b"PBWK";

/// The largest body accepted (1 GiB): anything longer is a corrupt length, not a task.
pub const MAX_FRAME_BODY: usize = 1 << 30;

const HEADER: usize = 4;
const TAG_READY: u8 = 0x01;
const TAG_TASK: u8 = 0x02;
const TAG_DONE: u8 = 0x03;
const TAG_FAILED: u8 = 0x04;
const TAG_SHUTDOWN: u8 = 0x05;

/// A decoded message. Payloads borrow from the receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// The worker started and speaks `version`.
    Ready { version: u32, pid: u32 },
    /// Work for the worker: `kind` selects the computation, `payload` is its input.
    Task {
        id: u64,
        kind: &'a str,
        payload: &'a [u8],
    },
    /// The result of task `id`, and the time the worker spent computing it.
    Done {
        id: u64,
        compute_ns: u64,
        payload: &'a [u8],
    },
    /// Task `id` could not be computed (bad input, unknown kind).
    Failed { id: u64, message: &'a str },
    /// The worker should exit.
    Shutdown,
}

impl Message<'_> {
    /// The message's name, for errors.
    pub fn name(&self) -> &'static str {
        match self {
            Message::Ready { .. } => "ready",
            Message::Task { .. } => "task",
            Message::Done { .. } => "done",
            Message::Failed { .. } => "failed",
            Message::Shutdown => "shutdown",
        }
    }
}

/// A frame that breaks the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(
        "frame length {0} exceeds the {MAX_FRAME_BODY}-byte limit; the stream {1} (is something else writing to the worker's stdout?)"
    )]
    TooLong(usize, String),
    #[error("empty frame (length 0): every frame carries at least a message type")]
    Empty,
    #[error("unknown message type 0x{0:02x}")]
    UnknownType(u8),
    #[error("{message} frame is {len} bytes long, expected {expected}")]
    BadLength {
        message: &'static str,
        len: usize,
        expected: String,
    },
    #[error(
        "ready frame does not start with the magic `PBWK` (found {0:02x?}): not a parbench worker"
    )]
    BadMagic([u8; 4]),
    #[error("{0} frame carries text that is not UTF-8")]
    NotUtf8(&'static str),
    #[error("the stream ended inside a frame ({have} of {need} bytes)")]
    Truncated { have: usize, need: usize },
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Printable rendering of the first bytes of a suspicious frame (non-printable bytes as `.`).
fn preview(bytes: &[u8]) -> String {
    let shown: String = bytes
        .iter()
        .take(48)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("starts with \"{shown}\" as text")
}

/// Decodes one frame body (type byte included).
pub fn decode_body(body: &[u8]) -> Result<Message<'_>, ProtocolError> {
    let (&tag, rest) = body.split_first().ok_or(ProtocolError::Empty)?;
    let need = |message: &'static str, min: usize, exact: bool| {
        let ok = if exact {
            rest.len() == min
        } else {
            rest.len() >= min
        };
        if ok {
            Ok(())
        } else {
            Err(ProtocolError::BadLength {
                message,
                len: body.len(),
                expected: if exact {
                    format!("{}", min + 1)
                } else {
                    format!("at least {}", min + 1)
                },
            })
        }
    };
    match tag {
        TAG_READY => {
            need("ready", 12, true)?;
            let magic: [u8; 4] = rest[..4].try_into().expect("4 bytes");
            if magic != READY_MAGIC {
                return Err(ProtocolError::BadMagic(magic));
            }
            Ok(Message::Ready {
                version: u32_at(rest, 4),
                pid: u32_at(rest, 8),
            })
        }
        TAG_TASK => {
            need("task", 10, false)?;
            let id = u64_at(rest, 0);
            let kind_len = u16_at(rest, 8) as usize;
            need("task", 10 + kind_len, false)?;
            let kind = std::str::from_utf8(&rest[10..10 + kind_len])
                .map_err(|_| ProtocolError::NotUtf8("task"))?;
            Ok(Message::Task {
                id,
                kind,
                payload: &rest[10 + kind_len..],
            })
        }
        TAG_DONE => {
            need("done", 16, false)?;
            Ok(Message::Done {
                id: u64_at(rest, 0),
                compute_ns: u64_at(rest, 8),
                payload: &rest[16..],
            })
        }
        TAG_FAILED => {
            need("failed", 8, false)?;
            let message =
                std::str::from_utf8(&rest[8..]).map_err(|_| ProtocolError::NotUtf8("failed"))?;
            Ok(Message::Failed {
                id: u64_at(rest, 0),
                message,
            })
        }
        TAG_SHUTDOWN => {
            need("shutdown", 0, true)?;
            Ok(Message::Shutdown)
        }
        other => Err(ProtocolError::UnknownType(other)),
    }
}

/// Looks for one complete frame at the start of `buf`: `Ok(None)` when more bytes are needed,
/// else the frame's body range and the total bytes it occupies. Rejects impossible lengths as
/// soon as the 4-byte header is in.
pub fn frame_at(buf: &[u8]) -> Result<Option<(std::ops::Range<usize>, usize)>, ProtocolError> {
    if buf.len() < HEADER {
        return Ok(None);
    }
    let len = u32_at(buf, 0) as usize;
    if len > MAX_FRAME_BODY {
        return Err(ProtocolError::TooLong(
            len,
            preview(&buf[..buf.len().min(48)]),
        ));
    }
    if len == 0 {
        return Err(ProtocolError::Empty);
    }
    if buf.len() < HEADER + len {
        return Ok(None);
    }
    Ok(Some((HEADER..HEADER + len, HEADER + len)))
}

/// Starts a frame of message type `tag` in `out`; returns the header position for [`end_frame`].
fn begin_frame(out: &mut Vec<u8>, tag: u8) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER]);
    out.push(tag);
    at
}

/// Writes the body length of the frame begun at `at`.
fn end_frame(out: &mut [u8], at: usize) {
    let len = out.len() - at - HEADER;
    assert!(
        len <= MAX_FRAME_BODY,
        "frame body of {len} bytes exceeds the protocol limit"
    );
    out[at..at + HEADER].copy_from_slice(&(len as u32).to_le_bytes());
}

/// Appends a `ready` frame.
pub fn encode_ready(out: &mut Vec<u8>, version: u32, pid: u32) {
    let at = begin_frame(out, TAG_READY);
    out.extend_from_slice(&READY_MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&pid.to_le_bytes());
    end_frame(out, at);
}

/// Appends a `task` frame whose payload `write_payload` appends in place (no extra copy).
pub fn encode_task(
    out: &mut Vec<u8>,
    id: u64,
    kind: &str,
    write_payload: impl FnOnce(&mut Vec<u8>),
) {
    let kind_len = u16::try_from(kind.len()).expect("task kinds are short names");
    let at = begin_frame(out, TAG_TASK);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&kind_len.to_le_bytes());
    out.extend_from_slice(kind.as_bytes());
    write_payload(out);
    end_frame(out, at);
}

/// Begins a `done` frame in `out`; append the payload, then call [`finish_done`] with the
/// position this returns.
pub fn begin_done(out: &mut Vec<u8>, id: u64) -> usize {
    let at = begin_frame(out, TAG_DONE);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    at
}

/// Finishes a `done` frame begun with [`begin_done`], recording the compute time.
pub fn finish_done(out: &mut [u8], at: usize, compute_ns: u64) {
    let field = at + HEADER + 1 + 8;
    out[field..field + 8].copy_from_slice(&compute_ns.to_le_bytes());
    end_frame(out, at);
}

/// Appends the header of a `done` frame whose `payload_len` payload bytes are written after it
/// separately (a result computed in place in the task's buffer).
pub fn encode_done_header(out: &mut Vec<u8>, id: u64, compute_ns: u64, payload_len: usize) {
    let len = 1 + 16 + payload_len;
    assert!(
        len <= MAX_FRAME_BODY,
        "frame body of {len} bytes exceeds the protocol limit"
    );
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.push(TAG_DONE);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&compute_ns.to_le_bytes());
}

/// Appends a `failed` frame.
pub fn encode_failed(out: &mut Vec<u8>, id: u64, message: &str) {
    // Keep failure messages bounded: they end up in results files.
    let mut end = message.len().min(4096);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let at = begin_frame(out, TAG_FAILED);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&message.as_bytes()[..end]);
    end_frame(out, at);
}

/// Appends a `shutdown` frame.
pub fn encode_shutdown(out: &mut Vec<u8>) {
    let at = begin_frame(out, TAG_SHUTDOWN);
    end_frame(out, at);
}

/// Reads whole frames from a blocking stream (the worker's side of the pipe). The body buffer is
/// reused: it only grows, so big tasks are not re-zeroed every time.
#[derive(Debug, Default)]
pub struct FrameReader {
    body: Vec<u8>,
    len: usize,
}

/// Why reading a frame from a blocking stream stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("cannot read from the pipe: {0}")]
    Io(#[from] io::Error),
}

impl FrameReader {
    /// Reads the next frame's body; `false` at a clean end of stream (between frames).
    pub fn read(&mut self, input: &mut dyn Read) -> Result<bool, ReadError> {
        let mut header = [0u8; HEADER];
        let got = read_full(input, &mut header)?;
        if got == 0 {
            return Ok(false);
        }
        if got < HEADER {
            return Err(ProtocolError::Truncated {
                have: got,
                need: HEADER,
            }
            .into());
        }
        let len = u32::from_le_bytes(header) as usize;
        if len > MAX_FRAME_BODY {
            return Err(ProtocolError::TooLong(len, preview(&header)).into());
        }
        if len == 0 {
            return Err(ProtocolError::Empty.into());
        }
        if self.body.len() < len {
            self.body.resize(len, 0);
        }
        self.len = len;
        let got = read_full(input, &mut self.body[..len])?;
        if got < len {
            return Err(ProtocolError::Truncated {
                have: HEADER + got,
                need: HEADER + len,
            }
            .into());
        }
        Ok(true)
    }

    /// The body of the last frame read.
    pub fn body(&self) -> &[u8] {
        &self.body[..self.len]
    }

    /// The body of the last frame read, writable (a task computed in place).
    pub fn body_mut(&mut self) -> &mut [u8] {
        &mut self.body[..self.len]
    }

    /// The next message, or `None` at a clean end of stream (between frames).
    pub fn next<'a>(&'a mut self, input: &mut dyn Read) -> Result<Option<Message<'a>>, ReadError> {
        if !self.read(input)? {
            return Ok(None);
        }
        Ok(Some(decode_body(self.body())?))
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut at = 0;
    while at < buf.len() {
        match input.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(at)
}

/// Writes `frames` and flushes (the worker's side of the pipe).
pub fn write_frames(output: &mut dyn Write, frames: &[u8]) -> io::Result<()> {
    output.write_all(frames)?;
    output.flush()
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Ready { version, pid } => write!(f, "ready (protocol {version}, pid {pid})"),
            Message::Task { id, kind, payload } => {
                write!(f, "task {id} `{kind}` ({} bytes)", payload.len())
            }
            Message::Done {
                id,
                compute_ns,
                payload,
            } => write!(
                f,
                "done {id} ({} bytes, {compute_ns} ns of compute)",
                payload.len()
            ),
            Message::Failed { id, message } => write!(f, "failed {id}: {message}"),
            Message::Shutdown => f.write_str("shutdown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(frame: &[u8]) -> Result<Message<'_>, ProtocolError> {
        let (body, used) = frame_at(frame)?.expect("a whole frame");
        assert_eq!(used, frame.len());
        decode_body(&frame[body])
    }

    #[test]
    fn every_message_round_trips() {
        let mut b = Vec::new();
        encode_ready(&mut b, PROTOCOL_VERSION, 4242);
        assert_eq!(
            one(&b).unwrap(),
            Message::Ready {
                version: PROTOCOL_VERSION,
                pid: 4242
            }
        );

        let mut b = Vec::new();
        encode_task(&mut b, 7, "square-pipe", |p| {
            p.extend_from_slice(&[1, 2, 3])
        });
        assert_eq!(
            one(&b).unwrap(),
            Message::Task {
                id: 7,
                kind: "square-pipe",
                payload: &[1, 2, 3]
            }
        );

        let mut b = Vec::new();
        let at = begin_done(&mut b, 9);
        b.extend_from_slice(b"xyz");
        finish_done(&mut b, at, 1234);
        assert_eq!(
            one(&b).unwrap(),
            Message::Done {
                id: 9,
                compute_ns: 1234,
                payload: b"xyz"
            }
        );

        let mut b = Vec::new();
        encode_done_header(&mut b, 9, 1234, 3);
        b.extend_from_slice(b"xyz");
        assert_eq!(
            one(&b).unwrap(),
            Message::Done {
                id: 9,
                compute_ns: 1234,
                payload: b"xyz"
            }
        );

        let mut b = Vec::new();
        encode_failed(&mut b, 3, "bad input");
        assert_eq!(
            one(&b).unwrap(),
            Message::Failed {
                id: 3,
                message: "bad input"
            }
        );

        let mut b = Vec::new();
        encode_shutdown(&mut b);
        assert_eq!(one(&b).unwrap(), Message::Shutdown);
    }

    #[test]
    fn frames_are_found_only_when_complete() {
        let mut b = Vec::new();
        encode_task(&mut b, 1, "pi", |p| p.extend_from_slice(&[0; 24]));
        encode_shutdown(&mut b);
        let first_len = b.len() - 5;
        for cut in 0..first_len {
            assert_eq!(frame_at(&b[..cut]).unwrap(), None, "cut at {cut}");
        }
        let (_, used) = frame_at(&b).unwrap().unwrap();
        assert_eq!(used, first_len);
        let (body, _) = frame_at(&b[used..]).unwrap().unwrap();
        assert_eq!(decode_body(&b[used..][body]).unwrap(), Message::Shutdown);
    }

    #[test]
    fn malformed_frames_are_clear_errors() {
        // A stray println! in a worker: the text is read as a huge length.
        let e = frame_at(b"hello from a worker\n").unwrap_err();
        assert!(matches!(e, ProtocolError::TooLong(..)), "{e}");
        assert!(e.to_string().contains("hello fr"), "{e}");
        assert!(e.to_string().contains("stdout"), "{e}");

        assert_eq!(frame_at(&[0, 0, 0, 0]).unwrap_err(), ProtocolError::Empty);
        assert_eq!(
            decode_body(&[0xee, 1, 2]).unwrap_err(),
            ProtocolError::UnknownType(0xee)
        );
        let e = decode_body(&[TAG_READY, b'P', b'B']).unwrap_err();
        assert!(matches!(e, ProtocolError::BadLength { .. }), "{e}");
        let mut ready = vec![TAG_READY];
        ready.extend_from_slice(b"HTTP");
        ready.extend_from_slice(&[0; 8]);
        assert!(matches!(
            decode_body(&ready).unwrap_err(),
            ProtocolError::BadMagic(_)
        ));
        // Trailing bytes after a fixed-size message.
        let mut s = vec![TAG_SHUTDOWN, 0];
        assert!(matches!(
            decode_body(&s).unwrap_err(),
            ProtocolError::BadLength { .. }
        ));
        s.truncate(1);
        assert_eq!(decode_body(&s).unwrap(), Message::Shutdown);
        // A kind that claims more bytes than the frame holds, and one that is not UTF-8.
        let mut t = vec![TAG_TASK];
        t.extend_from_slice(&5u64.to_le_bytes());
        t.extend_from_slice(&200u16.to_le_bytes());
        t.extend_from_slice(b"pi");
        assert!(matches!(
            decode_body(&t).unwrap_err(),
            ProtocolError::BadLength { .. }
        ));
        let mut t = vec![TAG_TASK];
        t.extend_from_slice(&5u64.to_le_bytes());
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&[0xff, 0xfe]);
        assert_eq!(decode_body(&t).unwrap_err(), ProtocolError::NotUtf8("task"));
    }

    #[test]
    fn blocking_reader_reads_frames_and_reports_truncation() {
        let mut b = Vec::new();
        encode_task(&mut b, 1, "pi", |p| p.extend_from_slice(&[7; 24]));
        encode_shutdown(&mut b);
        let mut input: &[u8] = &b;
        let mut r = FrameReader::default();
        assert!(matches!(
            r.next(&mut input).unwrap(),
            Some(Message::Task { id: 1, .. })
        ));
        assert!(matches!(
            r.next(&mut input).unwrap(),
            Some(Message::Shutdown)
        ));
        assert!(r.next(&mut input).unwrap().is_none());

        let cut = &b[..b.len() - 8];
        let mut input: &[u8] = cut;
        let e = r.next(&mut input).unwrap_err();
        assert!(e.to_string().contains("ended inside a frame"), "{e}");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Every message, with its fields drawn at random.
        #[derive(Debug, Clone)]
        enum Sent {
            Ready(u32, u32),
            Task(u64, String, Vec<u8>),
            Done(u64, u64, Vec<u8>),
            Failed(u64, String),
            Shutdown,
        }

        fn sent() -> impl Strategy<Value = Sent> {
            let bytes = || prop::collection::vec(any::<u8>(), 0..300);
            prop_oneof![
                (any::<u32>(), any::<u32>()).prop_map(|(v, p)| Sent::Ready(v, p)),
                (any::<u64>(), ".{0,40}", bytes()).prop_map(|(i, k, p)| Sent::Task(i, k, p)),
                (any::<u64>(), any::<u64>(), bytes()).prop_map(|(i, t, p)| Sent::Done(i, t, p)),
                (any::<u64>(), ".{0,1500}").prop_map(|(i, m)| Sent::Failed(i, m)),
                // Around the 4096-byte cut, with characters of 1 to 4 bytes.
                (any::<u64>(), "[aé€😀]{1020,1100}|[a-z]{4090,4100}")
                    .prop_map(|(i, m)| Sent::Failed(i, m)),
                Just(Sent::Shutdown),
            ]
        }

        fn encode(m: &Sent, out: &mut Vec<u8>) {
            match m {
                Sent::Ready(v, p) => encode_ready(out, *v, *p),
                Sent::Task(i, k, p) => encode_task(out, *i, k, |o| o.extend_from_slice(p)),
                Sent::Done(i, t, p) => {
                    let at = begin_done(out, *i);
                    out.extend_from_slice(p);
                    finish_done(out, at, *t);
                }
                Sent::Failed(i, m) => encode_failed(out, *i, m),
                Sent::Shutdown => encode_shutdown(out),
            }
        }

        /// Whether `got` is what `m` decodes to (a failure message cut to 4096 bytes).
        fn decodes_to(m: &Sent, got: &Message<'_>) -> bool {
            match (m, got) {
                (Sent::Ready(v, p), Message::Ready { version, pid }) => v == version && p == pid,
                (Sent::Task(i, k, p), Message::Task { id, kind, payload }) => {
                    i == id && k == kind && p == payload
                }
                (
                    Sent::Done(i, t, p),
                    Message::Done {
                        id,
                        compute_ns,
                        payload,
                    },
                ) => i == id && t == compute_ns && p == payload,
                (Sent::Failed(i, m), Message::Failed { id, message }) => {
                    // The longest prefix of at most 4096 bytes that ends between characters.
                    let cut = (0..=m.len().min(4096))
                        .rev()
                        .find(|&n| m.is_char_boundary(n))
                        .unwrap_or(0);
                    i == id && *message == &m[..cut]
                }
                (Sent::Shutdown, Message::Shutdown) => true,
                _ => false,
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn a_stream_of_frames_decodes_to_what_was_sent(
                messages in prop::collection::vec(sent(), 0..8)
            ) {
                let mut stream = Vec::new();
                for m in &messages {
                    encode(m, &mut stream);
                }
                // Non-blocking side: frame by frame out of one buffer.
                let mut at = 0;
                for m in &messages {
                    let (body, used) = frame_at(&stream[at..]).unwrap().expect("a whole frame");
                    let got = decode_body(&stream[at..][body]).unwrap();
                    prop_assert!(decodes_to(m, &got), "{:?} -> {:?}", m, got);
                    at += used;
                }
                prop_assert_eq!(at, stream.len());
                // Blocking side: the reader, then a clean end.
                let mut input: &[u8] = &stream;
                let mut reader = FrameReader::default();
                for m in &messages {
                    let got = reader.next(&mut input).unwrap().expect("a message");
                    prop_assert!(decodes_to(m, &got), "{:?} -> {:?}", m, got);
                }
                prop_assert!(reader.next(&mut input).unwrap().is_none());
            }

            #[test]
            fn a_truncated_frame_is_an_error_not_a_panic(m in sent(), cut in any::<prop::sample::Index>()) {
                let mut frame = Vec::new();
                encode(&m, &mut frame);
                let cut = 1 + cut.index(frame.len() - 1);
                let partial = &frame[..cut];
                prop_assert_eq!(frame_at(partial).unwrap(), None);
                let mut input: &[u8] = partial;
                let e = FrameReader::default().next(&mut input).unwrap_err();
                prop_assert!(
                    matches!(e, ReadError::Protocol(ProtocolError::Truncated { .. })),
                    "{}", e
                );
            }

            #[test]
            fn arbitrary_bytes_decode_or_fail_without_panicking(
                bytes in prop::collection::vec(any::<u8>(), 0..64)
            ) {
                let _ = decode_body(&bytes);
                if let Ok(Some((body, used))) = frame_at(&bytes) {
                    prop_assert!(used <= bytes.len() && body.end == used);
                    let _ = decode_body(&bytes[body]);
                }
                // The blocking reader sizes its buffer from the header before reading the body:
                // keep the lengths it is fed small (a corrupt length is bounded by MAX_FRAME_BODY).
                let small = bytes.len() < 4 || u32_at(&bytes, 0) < 1 << 16;
                let mut input: &[u8] = &bytes;
                let mut reader = FrameReader::default();
                if small {
                    while let Ok(Some(_)) = reader.next(&mut input) {
                        if input.len() >= 4 && u32_at(input, 0) >= 1 << 16 {
                            break;
                        }
                    }
                }
            }
        }
    }
}
