//! The launcher side of a command run (see the [module docs](super)): started by parbench as
//! `<launcher> __parbench-launch [--env KEY=VALUE]... -- PROGRAM ARGS...` with a socket as its
//! stdin and parbench's capture pipes as its stdout and stderr. It starts the program (stdin
//! `/dev/null`, stdout and stderr inherited), waits for it, and writes one report to the socket:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `PBLR` |
//! | 1 | version (1) |
//! | 1 | kind: 0 exited, 1 could not be started |
//! | kind 0: 4 + 5 × 8 | raw wait status (`i32`), wall, user and system time (ns), `ru_maxrss` and the launcher's own peak RSS after the program exited (bytes; 0 unknown), all little-endian |
//! | kind 1: the rest | the error message (UTF-8) |
//!
//! If the socket closes before the program exits (parbench died), the launcher kills the program.

use crate::sys;
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
const VERSION: u8 = 1;
const KIND_EXITED: u8 = 0;
const KIND_SPAWN_FAILED: u8 = 1;
const EXITED_LEN: usize = 6 + 4 + 5 * 8;

/// What the launcher reported.
#[derive(Debug, Clone, PartialEq, Eq)]
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

fn encode_exited(status: i32, wall: Duration, usage: &sys::ChildUsage, floor: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(EXITED_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(KIND_EXITED);
    out.extend_from_slice(&status.to_le_bytes());
    for v in [
        wall.as_nanos() as u64,
        usage.user.as_nanos() as u64,
        usage.system.as_nanos() as u64,
        usage.max_rss,
        floor,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn encode_spawn_failed(message: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(KIND_SPAWN_FAILED);
    out.extend_from_slice(message.as_bytes());
    out
}

/// Decodes a report; the error says what was wrong with it.
pub(crate) fn decode_report(bytes: &[u8]) -> Result<Report, String> {
    if bytes.is_empty() {
        return Err("the launcher ended without reporting (was it killed?)".into());
    }
    if bytes.len() < 6 || bytes[..4] != MAGIC {
        return Err(format!(
            "the launcher sent {} bytes that are not a report (is the launcher program a parbench of another version?)",
            bytes.len()
        ));
    }
    if bytes[4] != VERSION {
        return Err(format!(
            "the launcher speaks report version {}, this parbench {VERSION}",
            bytes[4]
        ));
    }
    match bytes[5] {
        KIND_EXITED if bytes.len() == EXITED_LEN => {
            let u64_at = |i: usize| {
                let at = 10 + 8 * i;
                u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
            };
            Ok(Report::Exited {
                status: i32::from_le_bytes(bytes[6..10].try_into().expect("4 bytes")),
                wall: Duration::from_nanos(u64_at(0)),
                user: Duration::from_nanos(u64_at(1)),
                system: Duration::from_nanos(u64_at(2)),
                max_rss: u64_at(3),
                floor: u64_at(4),
            })
        }
        KIND_EXITED => Err(format!(
            "the launcher's report is {} bytes long, expected {EXITED_LEN}",
            bytes.len()
        )),
        KIND_SPAWN_FAILED => Ok(Report::SpawnFailed(
            String::from_utf8_lossy(&bytes[6..]).into_owned(),
        )),
        other => Err(format!("the launcher's report has unknown kind {other}")),
    }
}

/// The parsed launcher command line.
#[derive(Debug, PartialEq, Eq)]
struct Invocation {
    env: Vec<(OsString, OsString)>,
    program: OsString,
    args: Vec<OsString>,
}

fn parse(args: &[OsString]) -> Result<Invocation, String> {
    let mut env = Vec::new();
    let mut i = 0;
    loop {
        match args.get(i).map(|a| a.as_os_str()) {
            Some(a) if a == OsStr::new(ENV_FLAG) => {
                let pair = args
                    .get(i + 1)
                    .ok_or_else(|| format!("{ENV_FLAG} needs KEY=VALUE"))?;
                let bytes = pair.as_bytes();
                let eq = bytes
                    .iter()
                    .position(|&b| b == b'=')
                    .filter(|&p| p > 0)
                    .ok_or_else(|| format!("{ENV_FLAG} {pair:?}: expected KEY=VALUE"))?;
                env.push((
                    OsStr::from_bytes(&bytes[..eq]).to_owned(),
                    OsStr::from_bytes(&bytes[eq + 1..]).to_owned(),
                ));
                i += 2;
            }
            Some(a) if a == OsStr::new("--") => break,
            Some(a) => return Err(format!("unexpected argument {a:?}")),
            None => return Err("missing `-- PROGRAM ARGS...`".into()),
        }
    }
    let program = args
        .get(i + 1)
        .cloned()
        .ok_or_else(|| "missing the program after `--`".to_string())?;
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
        assert!(parse(&os(&["--env", "=x", "--", "p"])).is_err());
        assert!(parse(&os(&["x"])).is_err());
        assert!(parse(&os(&["--"])).is_err());
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
        assert!(
            decode_report(b"")
                .unwrap_err()
                .contains("without reporting")
        );
        assert!(
            decode_report(b"hello world")
                .unwrap_err()
                .contains("not a report")
        );
        assert!(
            decode_report(&bytes[..20])
                .unwrap_err()
                .contains("bytes long")
        );
    }
}
