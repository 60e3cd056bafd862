//! The worker-process protocol: versioned, length-prefixed binary frames over a worker's stdin
//! (parent → worker) and stdout (worker → parent), and the one binary encoding parbench uses
//! between its processes ([`encode_into`], [`decode_exact`]: also the command launcher's report
//! and the processes backend's task and result payloads). Tasks are opaque here (a kind string
//! and bytes); decoding is strict, so a stray `println!` or a truncated frame is a clear error.
//!
//! The encoding is [postcard](https://docs.rs/postcard) over serde: a documented, stable wire
//! format (varint integers, length-prefixed strings and byte strings, enums as a varint variant
//! index) whose decoder borrows `&str` and `&[u8]` fields from the input instead of copying
//! them, which is what large task payloads need. (bincode 2 would do too; postcard is the
//! smaller dependency and its format has a written specification.)
//!
//! A frame is a little-endian `u32` body length (at most [`MAX_FRAME_BODY`]) followed by the
//! body. The body is a postcard-encoded [`Message`]; a `task` or `done` message is followed by
//! its payload (the rest of the body: the payload is written and computed in place, without a
//! copy into a message). Any other message followed by extra bytes is an error.
//!
//! | message | direction | fields |
//! |---|---|---|
//! | `Ready` | worker → parent | magic `PBWK`, protocol version, pid |
//! | `Task` | parent → worker | id, kind; then the payload |
//! | `Done` | worker → parent | id, compute ns; then the payload |
//! | `Failed` | worker → parent | id, message (at most 4096 bytes) |
//! | `Shutdown` | parent → worker | none |

use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::{self, Read, Write};

/// Bumped whenever a frame's layout or meaning changes; both sides must agree.
/// 2: postcard-encoded messages (1 was a hand-written layout).
pub const PROTOCOL_VERSION: u32 = 2;

/// Bytes that open every `ready` frame: a program that is not a parbench worker fails fast.
pub const READY_MAGIC: [u8; 4] = *b"PBWK";

/// The largest body accepted (1 GiB): anything longer is a corrupt length, not a task.
pub const MAX_FRAME_BODY: usize = 1 << 30;

/// The longest `failed` message sent, in bytes (they end up in results files).
pub const MAX_FAILURE_MESSAGE: usize = 4096;

const HEADER: usize = 4;

/// The number of [`Message`] variants: a larger variant index is an unknown message.
const MESSAGE_VARIANTS: u32 = 5;

/// Room reserved before a `done` payload for its length and message ([`begin_done`]): a `u32`
/// length, a one-byte variant index and two `u64` varints of at most 10 bytes each.
const DONE_ROOM: usize = HEADER + 1 + 2 * 10;

/// One protocol message. `Task` and `Done` are followed in their frame by their payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message<'a> {
    /// The worker started and speaks `version`.
    Ready {
        /// Always [`READY_MAGIC`].
        magic: [u8; 4],
        /// The worker's [`PROTOCOL_VERSION`].
        version: u32,
        /// The worker's process id.
        pid: u32,
    },
    /// Work for the worker: `kind` selects the computation; the payload is its input.
    Task {
        /// Names the task in its `done` or `failed` answer.
        id: u64,
        /// The computation (the worker dispatches on it).
        kind: &'a str,
    },
    /// The result of task `id` (the payload), and the time the worker spent computing it.
    Done {
        /// The task's id.
        id: u64,
        /// Nanoseconds the worker spent computing.
        compute_ns: u64,
    },
    /// Task `id` could not be computed (bad input, unknown kind).
    Failed {
        /// The task's id.
        id: u64,
        /// Why, at most [`MAX_FAILURE_MESSAGE`] bytes.
        message: &'a str,
    },
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

    /// Whether a payload follows this message in its frame.
    fn has_payload(&self) -> bool {
        matches!(self, Message::Task { .. } | Message::Done { .. })
    }
}

/// A decoded frame body: the message and, for `task` and `done`, the payload after it
/// (empty for the others). Both borrow from the receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The message.
    pub message: Message<'a>,
    /// The bytes after the message (`task` and `done` only).
    pub payload: &'a [u8],
}

/// Bytes that are not a value of the type they were decoded as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes do not encode the value (too short, bad UTF-8, unknown enum variant...).
    #[error("malformed {what}: {source}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// postcard's reason.
        source: postcard::Error,
    },
    /// The value was followed by bytes that belong to nothing.
    #[error("{extra} unexpected bytes after the {what}")]
    Trailing {
        /// What was decoded.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
}

/// Appends the encoding of `value` to `out` (bytes are copied in bulk, not byte by byte).
pub fn encode_into<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    postcard::serialize_with_flavor(value, AppendTo(out))
        .expect("encoding into a Vec cannot fail for parbench's message types");
}

/// Decodes `bytes` as one `T` (`what` names it in errors): strictly, so bytes left over are an
/// error. Strings and byte strings borrow from `bytes`.
pub fn decode_exact<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<T, DecodeError> {
    let (value, rest) = decode_prefix(bytes, what)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(DecodeError::Trailing {
            what,
            extra: rest.len(),
        })
    }
}

/// Decodes one `T` at the start of `bytes`; returns it and the bytes after it.
pub fn decode_prefix<'a, T: Deserialize<'a>>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<(T, &'a [u8]), DecodeError> {
    postcard::take_from_bytes(bytes).map_err(|source| DecodeError::Malformed { what, source })
}

/// A postcard output that appends to a borrowed `Vec` with `extend_from_slice` (postcard's own
/// `Vec` flavours take the vector by value; `to_extend` pushes byte by byte).
struct AppendTo<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendTo<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// A frame that breaks the protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The length prefix exceeds [`MAX_FRAME_BODY`]; the second field previews the bytes.
    #[error(
        "frame length {0} exceeds the {MAX_FRAME_BODY}-byte limit; the stream {1} (is something else writing to the worker's stdout?)"
    )]
    TooLong(usize, String),
    /// A length prefix of 0.
    #[error("empty frame (length 0): every frame carries at least a message")]
    Empty,
    /// A message variant index this build does not know.
    #[error("unknown message type {0} (is the other side a different parbench build?)")]
    UnknownType(u32),
    /// The body is not a message, or a payload-less message has bytes after it.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A `ready` message without [`READY_MAGIC`].
    #[error("ready frame does not carry the magic `PBWK` (found {0:02x?}): not a parbench worker")]
    BadMagic([u8; 4]),
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame ({have} of {need} bytes)")]
    Truncated {
        /// Bytes of the frame received.
        have: usize,
        /// Bytes the frame needs (header included).
        need: usize,
    },
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
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

/// Decodes one frame body.
pub fn decode_body(body: &[u8]) -> Result<Frame<'_>, ProtocolError> {
    if body.is_empty() {
        return Err(ProtocolError::Empty);
    }
    // The variant index first: an unknown message is named as such, not as a serde error.
    let (variant, _) = decode_prefix::<u32>(body, "message type")?;
    if variant >= MESSAGE_VARIANTS {
        return Err(ProtocolError::UnknownType(variant));
    }
    let (message, payload) = decode_prefix::<Message<'_>>(body, "message")?;
    if !message.has_payload() && !payload.is_empty() {
        return Err(DecodeError::Trailing {
            what: message.name(),
            extra: payload.len(),
        }
        .into());
    }
    if let Message::Ready { magic, .. } = message
        && magic != READY_MAGIC
    {
        return Err(ProtocolError::BadMagic(magic));
    }
    Ok(Frame { message, payload })
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

/// The length prefix of a frame whose body is `len` bytes.
fn length_prefix(len: usize) -> [u8; HEADER] {
    assert!(
        len <= MAX_FRAME_BODY,
        "frame body of {len} bytes exceeds the protocol limit"
    );
    (len as u32).to_le_bytes()
}

/// Appends a frame holding `message`, with the payload `write_payload` appends in place (no
/// extra copy; `task` and `done` only).
fn encode_frame(
    out: &mut Vec<u8>,
    message: &Message<'_>,
    write_payload: impl FnOnce(&mut Vec<u8>),
) {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER]);
    encode_into(out, message);
    let before = out.len();
    write_payload(out);
    debug_assert!(message.has_payload() || out.len() == before);
    let prefix = length_prefix(out.len() - at - HEADER);
    out[at..at + HEADER].copy_from_slice(&prefix);
}

/// Appends a `ready` frame.
pub fn encode_ready(out: &mut Vec<u8>, version: u32, pid: u32) {
    let ready = Message::Ready {
        magic: READY_MAGIC,
        version,
        pid,
    };
    encode_frame(out, &ready, |_| {});
}

/// Appends a `task` frame whose payload `write_payload` appends in place (no extra copy).
pub fn encode_task(
    out: &mut Vec<u8>,
    id: u64,
    kind: &str,
    write_payload: impl FnOnce(&mut Vec<u8>),
) {
    encode_frame(out, &Message::Task { id, kind }, write_payload);
}

/// Starts a `done` frame in the empty buffer `out` by reserving room for its header (the compute
/// time is not known yet); append the payload, then call [`finish_done`].
pub fn begin_done(out: &mut Vec<u8>) {
    out.clear();
    out.resize(DONE_ROOM, 0);
}

/// Finishes a `done` frame begun with [`begin_done`]: writes the header just before the payload
/// and returns where the frame starts in `out` (send `out[start..]`).
pub fn finish_done(out: &mut [u8], id: u64, compute_ns: u64) -> usize {
    let payload_len = out.len() - DONE_ROOM;
    let mut message = [0u8; DONE_ROOM - HEADER];
    let message = postcard::to_slice(&Message::Done { id, compute_ns }, &mut message)
        .expect("a done message fits the room reserved for it");
    let start = DONE_ROOM - HEADER - message.len();
    out[start..start + HEADER].copy_from_slice(&length_prefix(message.len() + payload_len));
    out[start + HEADER..DONE_ROOM].copy_from_slice(message);
    start
}

/// Appends the header of a `done` frame whose `payload_len` payload bytes are written after it
/// separately (a result computed in place in the task's buffer).
pub fn encode_done_header(out: &mut Vec<u8>, id: u64, compute_ns: u64, payload_len: usize) {
    let at = out.len();
    out.extend_from_slice(&[0; HEADER]);
    encode_into(out, &Message::Done { id, compute_ns });
    let prefix = length_prefix(out.len() - at - HEADER + payload_len);
    out[at..at + HEADER].copy_from_slice(&prefix);
}

/// Appends a `failed` frame; the message is cut to [`MAX_FAILURE_MESSAGE`] bytes.
pub fn encode_failed(out: &mut Vec<u8>, id: u64, message: &str) {
    let mut end = message.len().min(MAX_FAILURE_MESSAGE);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let failed = Message::Failed {
        id,
        message: &message[..end],
    };
    encode_frame(out, &failed, |_| {});
}

/// Appends a `shutdown` frame.
pub fn encode_shutdown(out: &mut Vec<u8>) {
    encode_frame(out, &Message::Shutdown, |_| {});
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
    /// The bytes read break the protocol.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Reading failed.
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

    /// The next frame, or `None` at a clean end of stream (between frames).
    pub fn next<'a>(&'a mut self, input: &mut dyn Read) -> Result<Option<Frame<'a>>, ReadError> {
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
            Message::Ready { version, pid, .. } => {
                write!(f, "ready (protocol {version}, pid {pid})")
            }
            Message::Task { id, kind } => write!(f, "task {id} `{kind}`"),
            Message::Done { id, compute_ns } => {
                write!(f, "done {id} ({compute_ns} ns of compute)")
            }
            Message::Failed { id, message } => write!(f, "failed {id}: {message}"),
            Message::Shutdown => f.write_str("shutdown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(frame: &[u8]) -> Result<Frame<'_>, ProtocolError> {
        let (body, used) = frame_at(frame)?.expect("a whole frame");
        assert_eq!(used, frame.len());
        decode_body(&frame[body])
    }

    fn bare(message: Message<'_>) -> Frame<'_> {
        Frame {
            message,
            payload: &[],
        }
    }

    /// A `done` frame through [`begin_done`] and [`finish_done`], as the worker sends it.
    fn done_frame(id: u64, compute_ns: u64, payload: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        begin_done(&mut b);
        b.extend_from_slice(payload);
        let start = finish_done(&mut b, id, compute_ns);
        b.drain(..start);
        b
    }

    #[test]
    fn every_message_round_trips() {
        let mut b = Vec::new();
        encode_ready(&mut b, PROTOCOL_VERSION, 4242);
        assert_eq!(
            one(&b).unwrap(),
            bare(Message::Ready {
                magic: READY_MAGIC,
                version: PROTOCOL_VERSION,
                pid: 4242
            })
        );

        let mut b = Vec::new();
        encode_task(&mut b, 7, "square-pipe", |p| {
            p.extend_from_slice(&[1, 2, 3])
        });
        let f = one(&b).unwrap();
        assert_eq!(
            f.message,
            Message::Task {
                id: 7,
                kind: "square-pipe"
            }
        );
        assert_eq!(f.payload, [1, 2, 3]);

        for (id, ns) in [(9, 1234), (0, 0), (u64::MAX, u64::MAX)] {
            let b = done_frame(id, ns, b"xyz");
            let f = one(&b).unwrap();
            assert_eq!(f.message, Message::Done { id, compute_ns: ns });
            assert_eq!(f.payload, b"xyz");
            let mut h = Vec::new();
            encode_done_header(&mut h, id, ns, 3);
            h.extend_from_slice(b"xyz");
            assert_eq!(h, b);
        }

        let mut b = Vec::new();
        encode_failed(&mut b, 3, "bad input");
        assert_eq!(
            one(&b).unwrap(),
            bare(Message::Failed {
                id: 3,
                message: "bad input"
            })
        );

        let mut b = Vec::new();
        encode_shutdown(&mut b);
        assert_eq!(one(&b).unwrap(), bare(Message::Shutdown));
    }

    #[test]
    fn frames_are_found_only_when_complete() {
        let mut b = Vec::new();
        encode_task(&mut b, 1, "pi", |p| p.extend_from_slice(&[0; 24]));
        let first_len = b.len();
        encode_shutdown(&mut b);
        for cut in 0..first_len {
            assert_eq!(frame_at(&b[..cut]).unwrap(), None, "cut at {cut}");
        }
        let (_, used) = frame_at(&b).unwrap().unwrap();
        assert_eq!(used, first_len);
        let (body, _) = frame_at(&b[used..]).unwrap().unwrap();
        assert_eq!(
            decode_body(&b[used..][body]).unwrap(),
            bare(Message::Shutdown)
        );
    }

    #[test]
    fn malformed_frames_are_clear_errors() {
        // A stray println! in a worker: the text is read as a huge length.
        let e = frame_at(b"hello from a worker\n").unwrap_err();
        assert!(matches!(e, ProtocolError::TooLong(..)), "{e}");
        assert!(e.to_string().contains("hello fr"), "{e}");
        assert!(e.to_string().contains("stdout"), "{e}");

        assert_eq!(frame_at(&[0, 0, 0, 0]).unwrap_err(), ProtocolError::Empty);
        assert_eq!(decode_body(&[]).unwrap_err(), ProtocolError::Empty);
        // Unknown variant.
        assert_eq!(
            decode_body(&[0x7e, 1, 2]).unwrap_err(),
            ProtocolError::UnknownType(0x7e)
        );
        // A ready message cut short.
        let mut ready = Vec::new();
        encode_into(
            &mut ready,
            &Message::Ready {
                magic: READY_MAGIC,
                version: 1,
                pid: 1,
            },
        );
        let e = decode_body(&ready[..3]).unwrap_err();
        assert!(
            matches!(
                e,
                ProtocolError::Decode(DecodeError::Malformed {
                    source: postcard::Error::DeserializeUnexpectedEnd,
                    ..
                })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("malformed message"), "{e}");
        let mut http = Vec::new();
        encode_into(
            &mut http,
            &Message::Ready {
                magic: *b"HTTP",
                version: 1,
                pid: 1,
            },
        );
        assert_eq!(
            decode_body(&http).unwrap_err(),
            ProtocolError::BadMagic(*b"HTTP")
        );
        // Trailing bytes after a message without a payload.
        let mut s = Vec::new();
        encode_into(&mut s, &Message::Shutdown);
        s.push(0);
        let e = decode_body(&s).unwrap_err();
        assert_eq!(
            e,
            ProtocolError::Decode(DecodeError::Trailing {
                what: "shutdown",
                extra: 1
            })
        );
        assert!(
            e.to_string()
                .contains("1 unexpected bytes after the shutdown")
        );
        s.pop();
        assert_eq!(decode_body(&s).unwrap(), bare(Message::Shutdown));
        // A kind that claims more bytes than the frame holds, and one that is not UTF-8.
        let mut t = Vec::new();
        encode_into(&mut t, &Message::Task { id: 5, kind: "pi" });
        let kind_len_at = t.len() - 3;
        t[kind_len_at] = 100;
        assert!(matches!(
            decode_body(&t).unwrap_err(),
            ProtocolError::Decode(DecodeError::Malformed { .. })
        ));
        t[kind_len_at] = 2;
        let n = t.len();
        t[n - 2..].copy_from_slice(&[0xff, 0xfe]);
        assert!(matches!(
            decode_body(&t).unwrap_err(),
            ProtocolError::Decode(DecodeError::Malformed {
                source: postcard::Error::DeserializeBadUtf8,
                ..
            })
        ));
    }

    #[test]
    fn values_decode_strictly() {
        let mut b = Vec::new();
        encode_into(&mut b, &(42u64, "/dev/shm/x"));
        assert_eq!(
            decode_exact::<(u64, &str)>(&b, "pair").unwrap(),
            (42, "/dev/shm/x")
        );
        b.push(7);
        let e = decode_exact::<(u64, &str)>(&b, "pair").unwrap_err();
        assert_eq!(
            e,
            DecodeError::Trailing {
                what: "pair",
                extra: 1
            }
        );
        let e = decode_exact::<(u64, &str)>(&b[..3], "pair").unwrap_err();
        assert!(e.to_string().starts_with("malformed pair"), "{e}");
    }

    #[test]
    fn blocking_reader_reads_frames_and_reports_truncation() {
        let mut b = Vec::new();
        encode_task(&mut b, 1, "pi", |p| p.extend_from_slice(&[7; 24]));
        encode_shutdown(&mut b);
        let mut input: &[u8] = &b;
        let mut r = FrameReader::default();
        let f = r.next(&mut input).unwrap().unwrap();
        assert!(matches!(f.message, Message::Task { id: 1, .. }));
        assert_eq!(f.payload, [7; 24]);
        assert_eq!(
            r.next(&mut input).unwrap().unwrap().message,
            Message::Shutdown
        );
        assert!(r.next(&mut input).unwrap().is_none());

        let cut = &b[..b.len() - 8];
        let mut input: &[u8] = cut;
        let e = r.next(&mut input).unwrap_err();
        assert!(e.to_string().contains("ended inside a frame"), "{e}");
    }

    mod properties {
        use super::super::*;
        use super::done_frame;
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
                Sent::Done(i, t, p) => out.extend_from_slice(&done_frame(*i, *t, p)),
                Sent::Failed(i, m) => encode_failed(out, *i, m),
                Sent::Shutdown => encode_shutdown(out),
            }
        }

        /// Whether `got` is what `m` decodes to (a failure message cut to 4096 bytes).
        fn decodes_to(m: &Sent, got: &Frame<'_>) -> bool {
            let payload = got.payload;
            match (m, &got.message) {
                (
                    Sent::Ready(v, p),
                    Message::Ready {
                        version,
                        pid,
                        magic,
                    },
                ) => v == version && p == pid && *magic == READY_MAGIC && payload.is_empty(),
                (Sent::Task(i, k, p), Message::Task { id, kind }) => {
                    i == id && k == kind && p == payload
                }
                (Sent::Done(i, t, p), Message::Done { id, compute_ns }) => {
                    i == id && t == compute_ns && p == payload
                }
                (Sent::Failed(i, m), Message::Failed { id, message }) => {
                    // The longest prefix of at most 4096 bytes that ends between characters.
                    let cut = (0..=m.len().min(MAX_FAILURE_MESSAGE))
                        .rev()
                        .find(|&n| m.is_char_boundary(n))
                        .unwrap_or(0);
                    i == id && *message == &m[..cut] && payload.is_empty()
                }
                (Sent::Shutdown, Message::Shutdown) => payload.is_empty(),
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
            fn a_stream_split_anywhere_reassembles(
                messages in prop::collection::vec(sent(), 1..6),
                cut in any::<prop::sample::Index>(),
            ) {
                let mut stream = Vec::new();
                for m in &messages {
                    encode(m, &mut stream);
                }
                // The parent's side receives the stream in two reads split at `cut`: frames are
                // taken only once whole, and every one decodes to what was sent.
                let cut = cut.index(stream.len() + 1);
                let mut buf = Vec::new();
                let mut got = 0;
                for part in [&stream[..cut], &stream[cut..]] {
                    buf.extend_from_slice(part);
                    while let Some((body, used)) = frame_at(&buf).unwrap() {
                        let frame = decode_body(&buf[body]).unwrap();
                        prop_assert!(decodes_to(&messages[got], &frame));
                        got += 1;
                        buf.drain(..used);
                    }
                }
                prop_assert_eq!(got, messages.len());
                prop_assert!(buf.is_empty());
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
                // A body cut short decodes to an error (or, for a payload, a shorter payload).
                let body = &frame[HEADER..];
                let _ = decode_body(&body[..cut.min(body.len())]);
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
