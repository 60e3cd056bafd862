//! The launcher side of a command run (see the [module docs](super)): started by parbench as
//! `<launcher> __parbench-launch [--env KEY=VALUE]... -- PROGRAM ARGS...` with a socket as its
//! stdin and parbench's capture pipes as its stdout and stderr. It starts the program (stdin
//! `/dev/null`, stdout and stderr inherited), waits for it, and writes one report to the socket:
//! a [`ReportHeader`] (magic `PBLR`, version) then a [`Report`], in the binary encoding of
//! [`crate::protocol`] (postcard). An exited program's report carries the raw wait status, the
//! wall, user and system time, `ru_maxrss` and the launcher's own peak RSS after the program
//! exited (bytes; 0 unknown); a program that could not be started, the error message.
//!
//! If the socket closes before the program exits (parbench died), the launcher kills the program.

use crate::protocol::{self, DecodeError};
use crate::sys;
use serde::{Deserialize, Serialize};
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The first argument that turns a parbench process into a launcher.
pub const LAUNCH_ARG: &str = "__parbench-launch";

/// Precedes each `KEY=VALUE` environment setting for the program.
pub(crate) const ENV_FLAG: &str = "--env";

const MAGIC: [u8; 4] = *b"PBLR";
/// 2: postcard-encoded (1 was a hand-written layout).
const VERSION: u32 = 2;

/// What opens every report: a launcher of another parbench build is recognised as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReportHeader {
    magic: [u8; 4],
    version: u32,
}

/// What the launcher reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Report {
    Exited {
        status: i32,
        wall: Duration,
        user: Duration,
        system: Duration,
        max_rss: u64,
        floor: u64,
    },
    SpawnFailed(String),
}

/// A launcher's report that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReportError {
    #[error("the launcher ended without reporting (was it killed?)")]
    Missing,
    #[error(
        "the launcher sent {len} bytes that are not a report (is the launcher program a parbench of another version?)"
    )]
    NotAReport { len: usize },
    #[error("the launcher speaks report version {found}, this parbench {VERSION}")]
    Version { found: u32 },
    #[error("the launcher's report is unusable: {0}")]
    Decode(#[from] DecodeError),
}

fn encode(report: &Report) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    let header = ReportHeader {
        magic: MAGIC,
        version: VERSION,
    };
    protocol::encode_into(&mut out, &header);
    protocol::encode_into(&mut out, report);
    out
}

fn encode_exited(status: i32, wall: Duration, usage: &sys::ChildUsage, floor: u64) -> Vec<u8> {
    encode(&Report::Exited {
        status,
        wall,
        user: usage.user,
        system: usage.system,
        max_rss: usage.max_rss,
        floor,
    })
}

fn encode_spawn_failed(message: &str) -> Vec<u8> {
    encode(&Report::SpawnFailed(message.to_string()))
}

/// Decodes a report, strictly (bytes after it are an error).
pub(crate) fn decode_report(bytes: &[u8]) -> Result<Report, ReportError> {
    if bytes.is_empty() {
        return Err(ReportError::Missing);
    }
    let not_a_report = ReportError::NotAReport { len: bytes.len() };
    let (header, rest) = protocol::decode_prefix::<ReportHeader>(bytes, "report header")
        .map_err(|_| not_a_report.clone())?;
    if header.magic != MAGIC {
        return Err(not_a_report);
    }
    if header.version != VERSION {
        return Err(ReportError::Version {
            found: header.version,
        });
    }
    Ok(protocol::decode_exact(rest, "launcher report")?)
}

/// The parsed launcher command line.
#[derive(Debug, PartialEq, Eq)]
struct Invocation {
    env: Vec<(OsString, OsString)>,
    program: OsString,
    args: Vec<OsString>,
}

/// A launcher command line that parbench did not write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ArgsError {
    #[error("{ENV_FLAG} needs KEY=VALUE")]
    EnvMissing,
    #[error("{ENV_FLAG} {0:?}: expected KEY=VALUE")]
    EnvNotPair(OsString),
    #[error("unexpected argument {0:?}")]
    Unexpected(OsString),
    #[error("missing `-- PROGRAM ARGS...`")]
    NoSeparator,
    #[error("missing the program after `--`")]
    NoProgram,
}

fn parse(args: &[OsString]) -> Result<Invocation, ArgsError> {
    let mut env = Vec::new();
    let mut i = 0;
    loop {
        match args.get(i).map(|a| a.as_os_str()) {
            Some(a) if a == OsStr::new(ENV_FLAG) => {
                let pair = args.get(i + 1).ok_or(ArgsError::EnvMissing)?;
                let bytes = pair.as_bytes();
                let eq = bytes
                    .iter()
                    .position(|&b| b == b'=')
                    .filter(|&p| p > 0)
                    .ok_or_else(|| ArgsError::EnvNotPair(pair.clone()))?;
                env.push((
                    OsStr::from_bytes(&bytes[..eq]).to_owned(),
                    OsStr::from_bytes(&bytes[eq + 1..]).to_owned(),
                ));
                i += 2;
            }
            Some(a) if a == OsStr::new("--") => break,
            Some(a) => return Err(ArgsError::Unexpected(a.to_owned())),
            None => return Err(ArgsError::NoSeparator),
        }
    }
    let program = args.get(i + 1).cloned().ok_or(ArgsError::NoProgram)?;
    Ok(Invocation {
        env,
        program,
        args: args[i + 2..].to_vec(),
    })
}

/// If this process was started as a launcher (its first argument is [`LAUNCH_ARG`]), serves
/// the run and returns the exit code to exit with; otherwise `None`. Call it first thing in
/// `main`, before anything allocates much: the launcher's memory is the floor of every peak-RSS
/// figure.
pub fn launcher_entry() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    if args.next()?.as_os_str() != OsStr::new(LAUNCH_ARG) {
        return None;
    }
    Some(serve_launcher(&args.collect::<Vec<_>>()))
}

/// The launcher: runs the program `args` describe (everything after [`LAUNCH_ARG`]) and reports
/// to the socket on stdin. Returns the process exit code: 0 when a report was sent.
pub fn serve_launcher(args: &[OsString]) -> i32 {
    use std::io::IsTerminal;
    if io::stdin().is_terminal() {
        eprintln!(
            "{LAUNCH_ARG} is internal: parbench starts it itself, with a socket, for command suites"
        );
        return 2;
    }
    let invocation = match parse(args) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("parbench launcher: {e}");
            return 2;
        }
    };
    let control = match io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => UnixStream::from(fd),
        Err(e) => {
            eprintln!("parbench launcher: no control socket on stdin: {e}");
            return 2;
        }
    };
    let report = launch(&invocation, &control);
    let mut control = control;
    match control.write_all(&report) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// Starts the program, waits for it and returns the encoded report.
fn launch(invocation: &Invocation, control: &UnixStream) -> Vec<u8> {
    let mut cmd = Command::new(&invocation.program);
    cmd.args(&invocation.args)
        .envs(invocation.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    let start = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return encode_spawn_failed(&e.to_string()),
    };
    let pid = child.id();
    // Wait for the exit, watching the control socket: if parbench goes away, so does the
    // program. Without pidfd (old kernels, other Unixes), wait blocking.
    if let Ok(pidfd) = sys::pidfd_open(pid) {
        loop {
            let ready = sys::poll(
                &[
                    sys::Interest {
                        fd: pidfd.as_fd(),
                        read: true,
                        write: false,
                    },
                    sys::Interest {
                        fd: control.as_fd(),
                        read: true,
                        write: false,
                    },
                ],
                -1,
            );
            match ready {
                Ok(r) if r[0].readable || r[0].closed => break,
                Ok(r) if r[1].readable || r[1].closed => {
                    // parbench is gone. It started this launcher as the leader of a process
                    // group of its own, which the program and its children share: end them all.
                    sys::kill_own_group_if_leader();
                    // Unreaped, so `pid` still names our child.
                    sys::kill(pid);
                    let _ = sys::wait4(pid, true);
                    return encode_spawn_failed("parbench went away; the program was killed");
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    match sys::wait4_usage(pid) {
        Ok((status, usage)) => {
            use std::os::unix::process::ExitStatusExt;
            let wall = start.elapsed();
            // The program's ru_maxrss is at least the launcher's peak at its exec; the peak
            // only grows, so reading it now (outside the timed region) bounds that from above,
            // spawn code pages included.
            let floor = crate::memory::peak_rss().unwrap_or(0);
            encode_exited(status.into_raw(), wall, &usage, floor)
        }
        Err(e) => encode_spawn_failed(&format!("waiting for the program failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn launcher_arguments_round_trip_any_bytes() {
        let inv = parse(&os(&[
            "--env",
            "RAYON_NUM_THREADS=4",
            "--env",
            "X=a=b c",
            "--",
            "./solver",
            "--env",
            "--",
            "$(id); rm *",
        ]))
        .unwrap();
        assert_eq!(
            inv.env,
            vec![
                ("RAYON_NUM_THREADS".into(), "4".into()),
                ("X".into(), "a=b c".into())
            ]
        );
        assert_eq!(inv.program, "./solver");
        assert_eq!(inv.args, os(&["--env", "--", "$(id); rm *"]));
        assert_eq!(
            parse(&os(&["--env", "=x", "--", "p"])).unwrap_err(),
            ArgsError::EnvNotPair("=x".into())
        );
        assert_eq!(
            parse(&os(&["x"])).unwrap_err(),
            ArgsError::Unexpected("x".into())
        );
        assert_eq!(parse(&os(&["--"])).unwrap_err(), ArgsError::NoProgram);
    }

    #[test]
    fn reports_round_trip_and_garbage_is_refused() {
        let usage = sys::ChildUsage {
            user: Duration::from_micros(1500),
            system: Duration::from_micros(250),
            max_rss: 5 << 20,
        };
        let bytes = encode_exited(3 << 8, Duration::from_millis(7), &usage, 3 << 20);
        assert_eq!(
            decode_report(&bytes).unwrap(),
            Report::Exited {
                status: 3 << 8,
                wall: Duration::from_millis(7),
                user: Duration::from_micros(1500),
                system: Duration::from_micros(250),
                max_rss: 5 << 20,
                floor: 3 << 20,
            }
        );
        assert_eq!(
            decode_report(&encode_spawn_failed("No such file")).unwrap(),
            Report::SpawnFailed("No such file".into())
        );
        assert_eq!(decode_report(b"").unwrap_err(), ReportError::Missing);
        let e = decode_report(b"hello world").unwrap_err();
        assert_eq!(e, ReportError::NotAReport { len: 11 });
        assert!(e.to_string().contains("not a report"), "{e}");
        let e = decode_report(&bytes[..20]).unwrap_err();
        assert!(matches!(e, ReportError::Decode(_)), "{e}");
        let mut long = bytes.clone();
        long.push(0);
        let e = decode_report(&long).unwrap_err();
        assert!(e.to_string().contains("1 unexpected bytes"), "{e}");
        let mut old = Vec::new();
        protocol::encode_into(
            &mut old,
            &ReportHeader {
                magic: MAGIC,
                version: 1,
            },
        );
        assert_eq!(
            decode_report(&old).unwrap_err(),
            ReportError::Version { found: 1 }
        );
        // An unknown report kind.
        let mut odd = old.clone();
        odd[4] = VERSION as u8;
        odd.push(9);
        assert!(matches!(
            decode_report(&odd).unwrap_err(),
            ReportError::Decode(_)
        ));
    }
}
